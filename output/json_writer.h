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
// small pieces, and one std::string append each cost more than writing them. The buffer
// (4 KiB) holds any record short of hostile input, so a record is one append. The string
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
    if (pos_ != buf_) {
      out_.append(buf_, static_cast<std::size_t>(pos_ - buf_));
      pos_ = buf_;
    }
  }

  // The structural pieces and the literals below are inline: a record has dozens of them,
  // each a few stores, and a call apiece cost as much as the stores.
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

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
  void string_or_null(const std::optional<std::string>& value) {
    if (value) {
      string(*value);
    } else {
      null();
    }
  }
  void integer(int64_t value);
  // A decimal rounded to at most 3 fractional digits, trailing zeros dropped ("12.345",
  // "0.5", "7"); meant for milliseconds. Magnitudes of 1e15 and more, which hold no
  // fraction anyway, use exponent form ("1.5e+300"). A NaN or infinity, which JSON cannot
  // carry, is written as null rather than corrupting the line.
  void number(double value);
  void boolean(bool value) {
    if (value) {
      literal_value("true");
    } else {
      literal_value("false");
    }
  }
  void null() { literal_value("null"); }

 private:
  static constexpr std::size_t kBufferSize = 4096;

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
    if (size > room()) [[unlikely]] {
      make_room();
    }
    return pos_;
  }
  // flush() out of line: inlined at every reserve(), the string append it holds would
  // cost code size and registers on the paths that never need it.
  [[gnu::noinline, gnu::cold]] void make_room();
  void commit(char* end) { pos_ = end; }
  std::size_t room() const { return static_cast<std::size_t>(buf_ + kBufferSize - pos_); }
  void put(char c) {
    if (room() == 0) flush();
    *pos_++ = c;
  }
  // Opens an object or array, with the comma owed before it.
  void open(char bracket) {
    char* p = reserve(2);
    *p = ',';
    p += need_comma_ ? 1 : 0;
    *p++ = bracket;
    commit(p);
    need_comma_ = false;
  }
  void close(char bracket) {
    char* p = reserve(1);
    *p++ = bracket;
    commit(p);
    need_comma_ = true;
  }
  // Writes a value given as a literal (true, false, null), with the comma owed before it.
  template <std::size_t N>
  void literal_value(const char (&text)[N]) {
    char* p = reserve(N);
    *p = ',';
    p += need_comma_ ? 1 : 0;
    std::memcpy(p, text, N - 1);
    commit(p + N - 1);
    need_comma_ = true;
  }
  // Writes text quoted, with the comma owed before it and `last` after it (unless '\0'),
  // when it is short, needs no escaping and fits in the buffer as it is; false (nothing
  // written) otherwise.
  bool short_plain(std::string_view text, char last);
  // The long way for a name (last ':') or a string value (last '\0') short_plain()
  // declined: flushed first, then written short if it can be, escaped otherwise.
  [[gnu::noinline]] void quoted(std::string_view text, char last);
  // The long way for a number: exact rounding by to_chars, exponent form, null.
  [[gnu::noinline]] void number_exact(double value);
  // Emits the comma owed before the next value or key.
  void separate() {
    if (need_comma_) put(',');
    need_comma_ = false;
  }

  std::string& out_;
  bool need_comma_ = false;
  // The end of what the buffer holds: a pointer rather than a count, so that writing a
  // piece needs no address computed and its end is stored as it is.
  char* pos_ = buf_;
  char buf_[kBufferSize];
};

}  // namespace tlsfleet::output
