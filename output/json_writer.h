// A small streaming JSON writer that appends into a caller-owned std::string. It writes one
// record per scanned endpoint on the hot path, so it never builds intermediate strings and
// copies runs of plain ASCII in bulk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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
//
// The writer collects what it writes in a buffer of its own and appends it to the string
// when the buffer fills, on flush() and when it goes out of scope: a record is some fifty
// small pieces, and one std::string append each cost more than writing them. So the string
// is complete only after flush() or the writer's end; call flush() before touching the
// string while the writer is still in scope.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter() { flush(); }

  // Appends what the writer holds to the string.
  void flush() {
    if (used_ != 0) {
      out_.append(buf_, used_);
      used_ = 0;
    }
  }

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();

  // An object member's name; the next call writes its value.
  void key(std::string_view name);
  // A name given as a string literal (what records use): its length is known where it is
  // called, so the comma owed, the quotes and the colon are written with constant-size
  // copies, and inlined, the compiler checks the literal's bytes while compiling the call.
  // A literal that would need escaping still goes through key(std::string_view).
  template <std::size_t N>
  [[gnu::always_inline]] void key(const char (&name)[N]) {
    constexpr std::size_t kSize = N - 1;
    if constexpr (kSize > 0 && kSize <= 32) {
      if (literal_is_plain(name, std::make_index_sequence<kSize>{})) {
        char* p = reserve(kSize + 4);
        *p = ',';
        p += need_comma_ ? 1 : 0;
        *p++ = '"';
        std::memcpy(p, name, kSize);
        p += kSize;
        *p++ = '"';
        *p++ = ':';
        commit(p);
        need_comma_ = false;
        return;
      }
    }
    key(std::string_view(name, kSize));
  }

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
  static constexpr std::size_t kBufferSize = 1024;

  // True for a byte written as it is: printable ASCII other than `"` and `\`.
  static constexpr bool plain_byte(char byte) {
    const auto c = static_cast<unsigned char>(byte);
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  }
  // One test per byte, unrolled: inlined where a literal is passed, with its bytes known,
  // every test folds away (a loop over them would not).
  template <std::size_t... I>
  [[gnu::always_inline]] static constexpr bool literal_is_plain(const char* name,
                                                                std::index_sequence<I...>) {
    return (plain_byte(name[I]) && ...);
  }
  // Room for `size` bytes (at most kBufferSize) at the returned pointer; commit(end) then
  // records what was written.
  char* reserve(std::size_t size) {
    if (size > kBufferSize - used_) flush();
    return buf_ + used_;
  }
  void commit(const char* end) { used_ = static_cast<std::size_t>(end - buf_); }
  void put(const char* data, std::size_t size) {
    if (size > kBufferSize) {
      flush();
      out_.append(data, size);
      return;
    }
    std::memcpy(reserve(size), data, size);
    used_ += size;
  }
  void put(char c) {
    if (used_ == kBufferSize) flush();
    buf_[used_++] = c;
  }
  // Writes the literal, with the comma owed before it.
  void separated(std::string_view text) {
    char* p = reserve(text.size() + 1);
    *p = ',';
    p += need_comma_ ? 1 : 0;
    std::memcpy(p, text.data(), text.size());
    commit(p + text.size());
  }
  // Writes text quoted, with the comma owed before it and `last` after it (unless '\0'),
  // when it is short and needs no escaping; false (nothing written) otherwise.
  bool short_plain(std::string_view text, char last);
  // Emits the comma owed before the next value or key.
  void separate() {
    if (need_comma_) put(',');
    need_comma_ = false;
  }

  std::string& out_;
  bool need_comma_ = false;
  std::size_t used_ = 0;
  char buf_[kBufferSize];
};

}  // namespace tlsfleet::output
