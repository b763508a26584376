// A small streaming JSON writer that appends into a caller-owned std::string. It writes one
// record per scanned endpoint on the hot path, so it never builds intermediate strings and
// copies runs of plain ASCII in bulk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tlsfleet::output {

// Appends `value` as a quoted JSON string. Whatever bytes come in, what goes out is one
// valid JSON string on a single line, in valid UTF-8:
//  - `"` and `\` are escaped; \b \f \n \r \t use their short forms; every other byte below
//    0x20 and DEL (0x7f) become \u00XX, so no raw control byte ever reaches the output;
//  - UTF-8 is validated strictly (Unicode Table 3-7): overlong forms, surrogates
//    (U+D800..U+DFFF), code points above U+10FFFF, stray continuation bytes and sequences
//    truncated by the end of the input or by another byte are invalid. Each maximal invalid
//    subpart is replaced by one U+FFFD, the practice of the WHATWG decoder, so `C0 AF` gives
//    two replacement characters and `E2 82` at the end gives one;
//  - U+2028 and U+2029 are written as \u2028 and \u2029, since JavaScript-based consumers
//    treat them as line breaks;
//  - valid multi-byte characters (e.g. 4-byte emoji) are copied unchanged.
void append_json_string(std::string_view value, std::string& out);

// Writes JSON values in document order; commas and colons are placed automatically. The
// caller is responsible for a well-formed sequence (a key before each object member, ends
// matching begins); the writer does not check it, to stay cheap.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();

  // An object member's name; the next call writes its value.
  void key(std::string_view name);

  void string(std::string_view value);
  // The string, or null when the optional is empty.
  void string_or_null(const std::optional<std::string>& value);
  void integer(int64_t value);
  // A decimal rounded to at most 3 fractional digits, trailing zeros dropped ("12.345",
  // "0.5", "7"); meant for milliseconds. Magnitudes of 1e15 and more, which hold no
  // fraction anyway, use exponent form ("1.5e+300"). A NaN or infinity, which JSON cannot
  // carry, is written as null rather than corrupting the line.
  void number(double value);
  void boolean(bool value);
  void null();

 private:
  // Writes text quoted, with the comma owed before it and `last` after it (unless '\0'),
  // when it is short and needs no escaping; false (nothing written) otherwise.
  bool short_plain(std::string_view text, char last);
  // Emits the comma owed before the next value or key.
  void separate() {
    if (need_comma_) out_.push_back(',');
    need_comma_ = false;
  }

  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace tlsfleet::output
