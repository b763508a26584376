#include "tests/integration/ndjson_record.h"

#include <gtest/gtest.h>

#include <cctype>
#include <regex>
#include <set>

namespace tlsfleet::integration {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

const std::set<std::string> kStatuses = {"ok",        "dns_error", "connect_error", "timeout",
                                         "tls_error", "not_tls",   "cancelled"};
const std::set<std::string> kStages = {"dns", "connect", "tls"};
const std::set<std::string> kSeverities = {"critical", "high", "medium", "low", "info"};
const std::set<std::string> kCauses = {"certificate", "chain",   "protocol", "cipher",
                                       "sni",         "backend", "session",  "transport"};
const std::set<std::string> kVersions = {"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

const std::regex kTimestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
const std::regex kRfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
const std::regex kCode(R"([A-Z][A-Z0-9_]*)");
const std::regex kSha256(R"([0-9a-fA-F]{64})");
const std::regex kHex(R"([0-9a-fA-F]+)");

std::string shorten(const std::string& s) { return s.size() <= 700 ? s : s.substr(0, 700) + "..."; }

}  // namespace

std::optional<Record> Record::parse(std::string_view line, std::string* error) {
  Record record;
  record.line_ = std::string(line);
  record.parser_ = std::make_unique<simdjson::dom::parser>();
  // parse() copies into its own padded buffer, so line_ need not be padded.
  auto err = record.parser_->parse(record.line_.data(), record.line_.size()).get(record.root_);
  if (err) {
    *error = std::string("not JSON: ") + simdjson::error_message(err);
    return std::nullopt;
  }
  if (record.root_.type() != element_type::OBJECT) {
    *error = "JSON but not an object";
    return std::nullopt;
  }
  return record;
}

std::string Record::label() const {
  auto target = at("/target");
  auto ip = at("/ip");
  std::string out = "record";
  std::string_view s;
  if (!target.error() && !target.get_string().get(s)) out = std::string(s);
  if (!ip.error() && !ip.get_string().get(s)) out += " " + std::string(s);
  return out;
}

simdjson::simdjson_result<element> Record::at(std::string_view pointer) const {
  return root_.at_pointer(pointer);
}

void Record::fail(std::string_view pointer, std::string_view what) const {
  ADD_FAILURE() << pointer << ": " << what << "\n  in " << shorten(line_);
}

bool Record::has(std::string_view pointer) const { return !at(pointer).error(); }

bool Record::is_null(std::string_view pointer) const {
  auto value = at(pointer);
  return !value.error() && value.value_unsafe().is_null();
}

std::string Record::str(std::string_view pointer) const {
  std::string_view value;
  auto found = at(pointer);
  if (found.error()) {
    fail(pointer, "missing");
    return {};
  }
  if (found.get_string().get(value)) {
    fail(pointer, "not a string");
    return {};
  }
  return std::string(value);
}

std::optional<std::string> Record::str_or_null(std::string_view pointer) const {
  auto found = at(pointer);
  if (found.error()) {
    fail(pointer, "missing");
    return std::nullopt;
  }
  if (found.value_unsafe().is_null()) return std::nullopt;
  std::string_view value;
  if (found.get_string().get(value)) {
    fail(pointer, "neither a string nor null");
    return std::nullopt;
  }
  return std::string(value);
}

int64_t Record::integer(std::string_view pointer) const {
  auto found = at(pointer);
  if (found.error()) {
    fail(pointer, "missing");
    return 0;
  }
  int64_t value = 0;
  if (found.get_int64().get(value)) fail(pointer, "not an integer");
  return value;
}

double Record::number(std::string_view pointer) const {
  auto found = at(pointer);
  if (found.error()) {
    fail(pointer, "missing");
    return 0;
  }
  double value = 0;
  if (found.get_double().get(value)) fail(pointer, "not a number");
  return value;
}

bool Record::boolean(std::string_view pointer) const {
  auto found = at(pointer);
  if (found.error()) {
    fail(pointer, "missing");
    return false;
  }
  bool value = false;
  if (found.get_bool().get(value)) fail(pointer, "not a boolean");
  return value;
}

std::vector<std::string> Record::strings(std::string_view pointer) const {
  std::vector<std::string> out;
  simdjson::dom::array array;
  if (at(pointer).get_array().get(array)) {
    fail(pointer, "missing or not an array");
    return out;
  }
  for (element item : array) {
    std::string_view s;
    if (item.get_string().get(s)) {
      fail(pointer, "holds a non-string");
      continue;
    }
    out.emplace_back(s);
  }
  return out;
}

int64_t Record::size(std::string_view pointer) const {
  simdjson::dom::array array;
  if (at(pointer).get_array().get(array)) {
    fail(pointer, "missing or not an array");
    return -1;
  }
  return static_cast<int64_t>(array.size());
}

std::vector<Finding> Record::findings() const {
  std::vector<Finding> out;
  simdjson::dom::array array;
  if (at("/findings").get_array().get(array)) {
    fail("/findings", "missing or not an array");
    return out;
  }
  for (element item : array) {
    Finding f;
    std::string_view s;
    if (!item["id"].get_string().get(s)) f.id = s;
    if (!item["severity"].get_string().get(s)) f.severity = s;
    if (!item["cause"].get_string().get(s)) f.cause = s;
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::string> Record::finding_ids() const {
  std::vector<std::string> ids;
  for (const Finding& f : findings()) ids.push_back(f.id);
  return ids;
}

std::optional<Finding> Record::finding(std::string_view id) const {
  for (Finding& f : findings()) {
    if (f.id == id) return f;
  }
  return std::nullopt;
}

std::string normalize_hex(std::string_view hex, bool strip_leading_zeros) {
  std::string out;
  for (char c : hex) {
    if (c == ':' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (strip_leading_zeros) {
    size_t first = out.find_first_not_of('0');
    out = first == std::string::npos ? "0" : out.substr(first);
  }
  return out;
}

namespace {

// Each helper checks one part of the shape; r.str() and friends report what is missing.
void expect_in(const Record& r, std::string_view pointer, const std::set<std::string>& allowed) {
  std::string value = r.str(pointer);
  EXPECT_TRUE(allowed.count(value)) << pointer << " = \"" << value << "\" in " << r.label();
}

void expect_match(const Record& r, std::string_view pointer, const std::regex& pattern) {
  std::string value = r.str(pointer);
  EXPECT_TRUE(std::regex_match(value, pattern))
      << pointer << " = \"" << value << "\" in " << r.label();
}

void expect_string_or_null(const Record& r, std::string_view pointer) { r.str_or_null(pointer); }

void expect_error_shape(const Record& r, const std::string& status) {
  if (status == "ok") {
    EXPECT_TRUE(r.is_null("/error")) << "error must be null when status is ok: " << r.label();
    return;
  }
  expect_in(r, "/error/stage", kStages);
  expect_match(r, "/error/code", kCode);
  r.str("/error/detail");
}

void expect_timing_shape(const Record& r) {
  simdjson::dom::object timing;
  if (r.root()["timing_ms"].get_object().get(timing)) {
    ADD_FAILURE() << "timing_ms missing or not an object: " << r.label();
    return;
  }
  for (auto field : timing) {
    double ms = -1;
    EXPECT_FALSE(field.value.get_double().get(ms)) << "timing_ms." << field.key << " not a number";
    EXPECT_GE(ms, 0) << "timing_ms." << field.key << " in " << r.label();
  }
  EXPECT_TRUE(r.has("/timing_ms/total")) << "timing_ms.total missing: " << r.label();
}

void expect_findings_shape(const Record& r) {
  simdjson::dom::array array;
  if (r.root()["findings"].get_array().get(array)) {
    ADD_FAILURE() << "findings missing or not an array: " << r.label();
    return;
  }
  for (size_t i = 0; i < array.size(); ++i) {
    std::string base = "/findings/" + std::to_string(i);
    expect_match(r, base + "/id", kCode);
    expect_in(r, base + "/severity", kSeverities);
    expect_in(r, base + "/cause", kCauses);
    r.str(base + "/detail");
    r.str(base + "/fix");
  }
}

void expect_tls_shape(const Record& r) {
  expect_in(r, "/tls/version", kVersions);
  expect_match(r, "/tls/cipher", std::regex("TLS_[A-Z0-9_]+"));
  expect_string_or_null(r, "/tls/group");
  expect_string_or_null(r, "/tls/alpn");
}

void expect_cert_shape(const Record& r) {
  r.str("/cert/subject");
  r.str("/cert/issuer");
  expect_match(r, "/cert/serial", kHex);
  expect_match(r, "/cert/not_before", kRfc3339);
  expect_match(r, "/cert/not_after", kRfc3339);
  r.integer("/cert/days_left");
  r.strings("/cert/san");
  r.str("/cert/key/type");
  EXPECT_GT(r.integer("/cert/key/bits"), 0) << r.label();
  expect_string_or_null(r, "/cert/key/curve");
  r.str("/cert/sig_alg");
  expect_match(r, "/cert/sha256", kSha256);
  r.boolean("/cert/self_signed");
}

void expect_chain_shape(const Record& r) {
  int64_t served = r.size("/chain/served");
  EXPECT_GE(served, 1) << "a completed handshake serves at least the leaf: " << r.label();
  for (int64_t i = 0; i < served; ++i) {
    std::string base = "/chain/served/" + std::to_string(i);
    r.str(base + "/subject");
    r.str(base + "/issuer");
    expect_match(r, base + "/sha256", kSha256);
    expect_match(r, base + "/not_after", kRfc3339);
  }
  r.boolean("/chain/trusted");
  expect_string_or_null(r, "/chain/verify_error");
  r.boolean("/chain/complete");
  r.boolean("/chain/ordered");
  if (!r.is_null("/chain/hostname_match")) r.boolean("/chain/hostname_match");
}

}  // namespace

void expect_record_shape(const Record& r) {
  EXPECT_EQ(r.str("/schema"), "tlsfleet/1");
  expect_match(r, "/ts", kTimestamp);
  EXPECT_FALSE(r.str("/target").empty()) << r.label();
  expect_string_or_null(r, "/host");
  expect_string_or_null(r, "/ip");
  int64_t port = r.integer("/port");
  EXPECT_TRUE(port >= 1 && port <= 65535) << "port " << port;
  expect_string_or_null(r, "/sni");
  std::string status = r.str("/status");
  EXPECT_TRUE(kStatuses.count(status)) << "status \"" << status << "\"";
  expect_error_shape(r, status);
  expect_timing_shape(r);
  expect_findings_shape(r);
  EXPECT_GE(r.integer("/connections"), 0);
  for (const char* part : {"/tls", "/cert", "/chain"}) {
    EXPECT_TRUE(r.has(part)) << part << " missing (null is allowed, absent is not): " << r.label();
  }
  if (status == "ok") {
    expect_tls_shape(r);
    expect_cert_shape(r);
    expect_chain_shape(r);
  }
}

}  // namespace tlsfleet::integration
