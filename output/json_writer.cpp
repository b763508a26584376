#include "output/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tlsfleet::output {

namespace {

// True for the bytes copied as they are: printable ASCII other than `"` and `\`.
constexpr std::array<bool, 256> make_plain_table() {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = true;
  plain['"'] = false;
  plain['\\'] = false;
  return plain;
}
constexpr std::array<bool, 256> kPlain = make_plain_table();

// True when none of the 8 bytes in `word` needs attention: no control byte, no `"`, no `\`,
// no DEL and nothing non-ASCII. Bit tricks from "Bit Twiddling Hacks" (hasless, haszero);
// each test is exact for "some byte matches", which is all the scan needs.
inline bool plain_word(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const uint64_t quote = word ^ (kOnes * '"');
  const uint64_t backslash = word ^ (kOnes * '\\');
  const uint64_t below_space = (word - kOnes * 0x20) & ~word;
  const uint64_t has_quote = (quote - kOnes) & ~quote;
  const uint64_t has_backslash = (backslash - kOnes) & ~backslash;
  const uint64_t del_or_high = (word + kOnes) | word;  // 0x7f + 1 and 0x80.. set the high bit
  return ((below_space | has_quote | has_backslash | del_or_high) & kHighs) == 0;
}

constexpr char kHex[] = "0123456789abcdef";

// Names and values up to this long that need no escaping go out in one append.
constexpr std::size_t kShortPlain = 64;

#if defined(__SSE2__)
// True when none of the 16 bytes at p needs attention (SSE2, which every x86-64 has).
// Signed bytes: 0x80-0xff are negative, so "below 0x20" catches them with the controls.
inline bool plain_16(const unsigned char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
  return _mm_movemask_epi8(special) == 0;
}
#endif

// The end of the run of bytes from p that are copied as they are. Subjects, names and
// cipher lists are mostly plain ASCII: it is skipped 16 bytes, then 8, at a time.
inline const unsigned char* plain_run_end(const unsigned char* p, const unsigned char* end) {
#if defined(__SSE2__)
  while (end - p >= 16 && plain_16(p)) p += 16;
#endif
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    if (!plain_word(word)) break;
    p += 8;
  }
  while (p < end && kPlain[*p]) ++p;
  return p;
}

// True when every byte of `value` is copied as it is.
inline bool all_plain(std::string_view value) {
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const auto* const end = p + value.size();
  return plain_run_end(p, end) == end;
}

// Magnitude from which number() switches from fixed to exponent notation.
constexpr double kFixedLimit = 1e15;
// Below this magnitude (2^32) number() rounds value * 1000 itself: the product stays under
// 2^42, where a double's spacing is at most 2^-11.
constexpr double kExactScaleLimit = 0x1p32;

// Writes n / 1000 as a decimal with the fraction's trailing zeros dropped ("-1.25", "7",
// "0.012"; 0 and -0 as "0") into buf; returns the length.
std::size_t write_thousandths(int64_t n, char* buf) {
  char* p = buf;
  uint64_t magnitude = static_cast<uint64_t>(n);
  if (n < 0) {
    *p++ = '-';
    magnitude = 0 - magnitude;
  }
  p = std::to_chars(p, p + 24, magnitude / 1000).ptr;
  const auto fraction = static_cast<unsigned>(magnitude % 1000);
  if (fraction != 0) {
    const char digits[3] = {static_cast<char>('0' + fraction / 100),
                            static_cast<char>('0' + fraction / 10 % 10),
                            static_cast<char>('0' + fraction % 10)};
    const int kept = digits[2] != '0' ? 3 : digits[1] != '0' ? 2 : 1;
    *p++ = '.';
    std::memcpy(p, digits, static_cast<std::size_t>(kept));
    p += kept;
  }
  return static_cast<std::size_t>(p - buf);
}
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

void append_ascii_escape(unsigned char c, std::string& out) {
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default:
      break;
  }
  const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
  out.append(escape, sizeof escape);
}

struct Utf8Scan {
  std::size_t length;  // bytes consumed: the whole character, or the maximal invalid subpart
  bool valid;
};

// Scans one UTF-8 character starting at a non-ASCII byte, following Unicode Table 3-7
// (well-formed byte sequences): the lead byte fixes the length and the allowed range of the
// second byte, which is what excludes overlongs, surrogates and code points past U+10FFFF.
Utf8Scan scan_utf8(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = p[0];
  std::size_t trailing = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    trailing = 1;
  } else if (lead == 0xE0) {
    trailing = 2;
    low = 0xA0;  // below is an overlong 3-byte form
  } else if (lead == 0xED) {
    trailing = 2;
    high = 0x9F;  // above are the surrogates U+D800..U+DFFF
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    trailing = 2;
  } else if (lead == 0xF0) {
    trailing = 3;
    low = 0x90;  // below is an overlong 4-byte form
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    trailing = 3;
  } else if (lead == 0xF4) {
    trailing = 3;
    high = 0x8F;  // above is past U+10FFFF
  } else {
    return {1, false};  // continuation byte, C0/C1 overlong lead, or F5..FF
  }
  for (std::size_t i = 1; i <= trailing; ++i) {
    if (p + i == end) return {i, false};
    const unsigned char b = p[i];
    if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xBF)) return {i, false};
  }
  return {trailing + 1, true};
}

}  // namespace

void append_json_string(std::string_view value, std::string& out) {
  // Most strings are plain ASCII; one reservation covers them and the quotes.
  out.reserve(out.size() + value.size() + 2);
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const auto* const end = p + value.size();
  while (p < end) {
    const auto* run = p;
    p = plain_run_end(p, end);
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p == end) break;
    if (*p < 0x80) {
      append_ascii_escape(*p, out);
      ++p;
      continue;
    }
    const Utf8Scan scan = scan_utf8(p, end);
    if (!scan.valid) {
      out.append(kReplacement);
    } else if (scan.length == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
      out.append(p[2] == 0xA8 ? "\\u2028" : "\\u2029");
    } else {
      out.append(reinterpret_cast<const char*>(p), scan.length);
    }
    p += scan.length;
  }
  out.push_back('"');
}

void JsonWriter::begin_object() {
  separated("{");
  need_comma_ = false;
}

void JsonWriter::end_object() {
  put('}');
  need_comma_ = true;
}

void JsonWriter::begin_array() {
  separated("[");
  need_comma_ = false;
}

void JsonWriter::end_array() {
  put(']');
  need_comma_ = true;
}

bool JsonWriter::short_plain(std::string_view text, char last) {
  if (text.size() > kShortPlain || !all_plain(text)) return false;
  // The comma owed, the quotes and the colon after a name written together.
  char* p = reserve(kShortPlain + 4);
  *p = ',';
  p += need_comma_ ? 1 : 0;
  *p++ = '"';
  std::memcpy(p, text.data(), text.size());
  p += text.size();
  *p++ = '"';
  *p = last;
  p += last != '\0' ? 1 : 0;
  commit(p);
  return true;
}

void JsonWriter::key(std::string_view name) {
  if (!short_plain(name, ':')) {
    separate();
    flush();
    append_json_string(name, out_);
    put(':');
  }
  need_comma_ = false;
}

void JsonWriter::string(std::string_view value) {
  if (!short_plain(value, '\0')) {
    separate();
    flush();
    append_json_string(value, out_);
  }
  need_comma_ = true;
}

void JsonWriter::string_or_null(const std::optional<std::string>& value) {
  if (value) {
    string(*value);
  } else {
    null();
  }
}

void JsonWriter::integer(int64_t value) {
  char* p = reserve(24);
  *p = ',';
  p += need_comma_ ? 1 : 0;
  commit(std::to_chars(p, p + 21, value).ptr);
  need_comma_ = true;
}

void JsonWriter::number(double value) {
  if (!std::isfinite(value)) {
    null();
    return;
  }
  separate();
  char buf[64];
  if (std::fabs(value) >= kFixedLimit) {
    // Past 2^53 a double has no fractional digits to keep, and integer literals of 20 or
    // more digits are rejected by some readers (simdjson among them); exponent form parses
    // everywhere.
    const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    put(buf, static_cast<std::size_t>(result.ptr - buf));
    need_comma_ = true;
    return;
  }
  if (std::fabs(value) < kExactScaleLimit) {
    // Timings are a few milliseconds: round value * 1000 to an integer and print that,
    // some 60 instructions against to_chars' 600. The product is off the exact one by at
    // most 2^-12 here, so the integer is the one to_chars would round to unless the
    // product lies within 2^-10 of a half; those (exact ties among them) go to to_chars.
    const double scaled = value * 1000.0;
    const auto thousandths = static_cast<int64_t>(scaled + (scaled < 0 ? -0.5 : 0.5));
    if (std::fabs(scaled - static_cast<double>(thousandths)) < 0.5 - 0x1p-10) {
      put(buf, write_thousandths(thousandths, buf));
      need_comma_ = true;
      return;
    }
  }
  const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 3);
  const char* last = result.ptr;
  while (last[-1] == '0') --last;  // the fraction always has 3 digits, so a '.' stops this
  if (last[-1] == '.') --last;
  std::string_view text(buf, static_cast<std::size_t>(last - buf));
  if (text == "-0") text = "0";  // -0.0001 rounds to "-0"; JSON readers need no sign there
  put(text.data(), text.size());
  need_comma_ = true;
}

void JsonWriter::boolean(bool value) {
  separated(value ? std::string_view("true") : std::string_view("false"));
  need_comma_ = true;
}

void JsonWriter::null() {
  separated("null");
  need_comma_ = true;
}

}  // namespace tlsfleet::output
