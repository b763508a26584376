// One NDJSON record from `tlsfleet scan`, parsed with simdjson, with accessors that fail
// the running test (naming the field and the record) instead of throwing when a field is
// missing or has the wrong type. Field paths are JSON pointers: "/tls/version".
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfleet::integration {

struct Finding {
  std::string id;
  std::string severity;
  std::string cause;
};

class Record {
 public:
  // Parses one line; nullopt (and *error set) unless it is exactly one JSON object.
  static std::optional<Record> parse(std::string_view line, std::string* error);

  const std::string& line() const { return line_; }
  // "target ip:port" for messages.
  std::string label() const;

  bool has(std::string_view pointer) const;
  bool is_null(std::string_view pointer) const;
  // The typed value at pointer; adds a test failure and returns a neutral value when the
  // field is missing or of another type.
  std::string str(std::string_view pointer) const;
  int64_t integer(std::string_view pointer) const;
  double number(std::string_view pointer) const;
  bool boolean(std::string_view pointer) const;
  // An array of strings (cert.san).
  std::vector<std::string> strings(std::string_view pointer) const;
  // Array length, or -1 (with a failure) when not an array.
  int64_t size(std::string_view pointer) const;
  // A string or null: nullopt for null, failure for anything else.
  std::optional<std::string> str_or_null(std::string_view pointer) const;

  std::vector<Finding> findings() const;
  std::vector<std::string> finding_ids() const;
  std::optional<Finding> finding(std::string_view id) const;

  simdjson::dom::element root() const { return root_; }

 private:
  Record() = default;
  simdjson::simdjson_result<simdjson::dom::element> at(std::string_view pointer) const;
  void fail(std::string_view pointer, std::string_view what) const;

  // The parser owns the document the element points into; it lives on the heap so that
  // moving a Record keeps the element valid.
  std::unique_ptr<simdjson::dom::parser> parser_;
  simdjson::dom::element root_;
  std::string line_;
};

// Checks one record against SCHEMA.md's shape: every field present with its type, enum
// values from their sets, error present exactly when status is not ok, and, for status
// ok, the tls, cert and chain objects complete. Adds failures; returns nothing.
void expect_record_shape(const Record& record);

// Lowercase hex without colons or leading zeros: compares fingerprints and serials
// whatever separator or case a printer chose.
std::string normalize_hex(std::string_view hex, bool strip_leading_zeros = false);

}  // namespace tlsfleet::integration
