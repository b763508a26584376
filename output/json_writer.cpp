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

// Names and values up to this long that need no escaping are copied into the writer's
// buffer; longer or escaped ones are appended to the string the long way. Findings'
// sentences and certificate names fit; past this length the bytes cost more than either
// way's overhead.
constexpr std::size_t kShortPlain = 512;

#if defined(__SSE2__)
// 0xff in each byte of the 16 in v that is copied as it is, 0 in the others (SSE2, which
// every x86-64 has). One signed comparison takes out three kinds at once: byte + 1, as a
// signed byte, is above 0x20 for printable ASCII (0x20-0x7e give 0x21-0x7f) and not for
// the controls (0x01-0x20), DEL (0x80 is -128) or anything non-ASCII (0x81-0xff and 0x00
// are negative or zero). Written as "greater than", which SSE2 has, rather than as a "less
// than" the compiler would negate with two more instructions.
inline __m128i plain_mask_16(__m128i v) {
  const __m128i printable = _mm_cmpgt_epi8(_mm_add_epi8(v, _mm_set1_epi8(1)), _mm_set1_epi8(0x20));
  const __m128i escaped =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
  return _mm_andnot_si128(escaped, printable);
}

// True when all of the 16 bytes at p are copied as they are.
inline bool plain_16(const unsigned char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm_movemask_epi8(plain_mask_16(v)) == 0xffff;
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

// copy_if_plain's short cases, the same with and without SSE2. 4 to 7 bytes: the first
// and the last 4 copied, and returned together (every byte of the word is one of the
// text's, some twice).
[[gnu::always_inline]] inline uint64_t copy_4_to_7(const char* src, std::size_t size, char* dst) {
  uint32_t head;
  uint32_t tail;
  std::memcpy(&head, src, 4);
  std::memcpy(&tail, src + size - 4, 4);
  std::memcpy(dst, &head, 4);
  std::memcpy(dst + size - 4, &tail, 4);
  return uint64_t{head} | uint64_t{tail} << 32;
}

// 0 to 3 bytes: the first, the middle and the last are all of them.
[[gnu::always_inline]] inline bool copy_if_plain_0_to_3(const char* src, std::size_t size,
                                                        char* dst) {
  if (size == 0) return true;
  const auto first = static_cast<unsigned char>(src[0]);
  const auto middle = static_cast<unsigned char>(src[size / 2]);
  const auto last = static_cast<unsigned char>(src[size - 1]);
  dst[0] = static_cast<char>(first);
  dst[size / 2] = static_cast<char>(middle);
  dst[size - 1] = static_cast<char>(last);
  return kPlain[first] && kPlain[middle] && kPlain[last];
}

// Copies the `size` bytes at src to dst and tells whether every one of them is
// copied as it is (plain), in one pass over them: the short names and values of a record
// are mostly plain, so the writer copies first and looks later, and a false result only
// means the copy is not kept. Every load and store stays within the two ranges: lengths
// that are not a multiple of the chunk use a last chunk overlapping the one before, the
// way memcpy does it, and each chunk is one constant-size move, not a call to memcpy.
[[gnu::always_inline]] inline bool copy_if_plain(const char* src, std::size_t size, char* dst) {
#if defined(__SSE2__)
  __m128i v;
  if (size >= 16) {
    __m128i plain = _mm_set1_epi8(-1);
    for (std::size_t i = 0; i + 16 < size; i += 16) {
      v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      plain = _mm_and_si128(plain, plain_mask_16(v));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), v);
    }
    v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + size - 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + size - 16), v);
    return _mm_movemask_epi8(_mm_and_si128(plain, plain_mask_16(v))) == 0xffff;
  }
  if (size >= 8) {
    // The first and the last 8 bytes, checked together as one vector.
    const __m128i head = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
    const __m128i tail = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + size - 8));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), head);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + size - 8), tail);
    v = _mm_unpacklo_epi64(head, tail);
  } else if (size >= 4) {
    // Repeated to fill the vector: every byte checked is one of the text's.
    v = _mm_set1_epi64x(static_cast<long long>(copy_4_to_7(src, size, dst)));
  } else {
    return copy_if_plain_0_to_3(src, size, dst);
  }
  return _mm_movemask_epi8(plain_mask_16(v)) == 0xffff;
#else
  if (size >= 8) {
    uint64_t word;
    bool plain = true;
    for (std::size_t i = 0; i + 8 < size; i += 8) {
      std::memcpy(&word, src + i, 8);
      plain &= plain_word(word);
      std::memcpy(dst + i, &word, 8);
    }
    std::memcpy(&word, src + size - 8, 8);
    std::memcpy(dst + size - 8, &word, 8);
    return plain && plain_word(word);
  }
  if (size >= 4) return plain_word(copy_4_to_7(src, size, dst));
  return copy_if_plain_0_to_3(src, size, dst);
#endif
}

// Magnitude from which number() switches from fixed to exponent notation.
constexpr double kFixedLimit = 1e15;
// Below this magnitude (2^32) number() rounds value * 1000 itself: the product stays under
// 2^42, where a double's spacing is at most 2^-11.
constexpr double kExactScaleLimit = 0x1p32;

// Room number() reserves: the comma and the longest text any of its branches writes,
// "-1.7976931348623157e+308" (24 bytes) in exponent form, 21 in fixed form below 1e15.
constexpr std::size_t kNumberRoom = 32;

// Writes n / 1000 as a decimal with the fraction's trailing zeros dropped ("-1.25", "7",
// "0.012"; 0 and -0 as "0") at p; returns the end. All three fraction digits are stored and
// only the kept ones counted, which saves a copy of variable length.
char* write_thousandths(int64_t n, char* p) {
  uint64_t magnitude = static_cast<uint64_t>(n);
  if (n < 0) {
    *p++ = '-';
    magnitude = 0 - magnitude;
  }
  p = std::to_chars(p, p + 24, magnitude / 1000).ptr;
  const auto fraction = static_cast<unsigned>(magnitude % 1000);
  if (fraction != 0) {
    p[0] = '.';
    p[1] = static_cast<char>('0' + fraction / 100);
    p[2] = static_cast<char>('0' + fraction / 10 % 10);
    p[3] = static_cast<char>('0' + fraction % 10);
    p += fraction % 10 != 0 ? 4 : fraction % 100 != 0 ? 3 : 2;
  }
  return p;
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

void JsonWriter::make_room() { flush(); }

[[gnu::always_inline]] inline bool JsonWriter::short_plain(std::string_view text, char last) {
  // Declined, to be flushed and written by quoted(), when the buffer lacks room: the path
  // taken for nearly every piece then makes no call, and needs no registers kept across one.
  if (text.size() > kShortPlain || room() < text.size() + 4) return false;
  // The comma owed, the quotes and the colon after a name written together; nothing is
  // committed unless the text was plain.
  char* p = pos_;
  *p = ',';
  p += need_comma_ ? 1 : 0;
  *p++ = '"';
  if (!copy_if_plain(text.data(), text.size(), p)) return false;
  p += text.size();
  *p++ = '"';
  *p = last;
  p += last != '\0' ? 1 : 0;
  commit(p);
  return true;
}

void JsonWriter::quoted(std::string_view text, char last) {
  flush();
  if (!short_plain(text, last)) {
    separate();
    flush();
    append_json_string(text, out_);
    if (last != '\0') put(last);
  }
  // A name's value follows it without a comma.
  need_comma_ = last == '\0';
}

void JsonWriter::key(std::string_view name) {
  if (short_plain(name, ':')) [[likely]] {
    need_comma_ = false;
    return;
  }
  quoted(name, ':');
}

void JsonWriter::string(std::string_view value) {
  if (short_plain(value, '\0')) [[likely]] {
    need_comma_ = true;
    return;
  }
  quoted(value, '\0');
}

void JsonWriter::integer(int64_t value) {
  char* p = reserve(24);
  *p = ',';
  p += need_comma_ ? 1 : 0;
  commit(std::to_chars(p, p + 21, value).ptr);
  need_comma_ = true;
}

void JsonWriter::number(double value) {
  // Timings are a few milliseconds: round value * 1000 to an integer and print that,
  // some 60 instructions against to_chars' 600. The product is off the exact one by at
  // most 2^-12 below 2^32, so the integer is the one to_chars would round to unless the
  // product lies within 2^-10 of a half; those (exact ties among them) go to to_chars.
  // Everything else, NaN and infinities included (the comparison is false for them), and a
  // buffer without room take number_exact(): this path then makes no call.
  if (std::fabs(value) < kExactScaleLimit && room() >= kNumberRoom) {
    const double scaled = value * 1000.0;
    const auto thousandths = static_cast<int64_t>(scaled + (scaled < 0 ? -0.5 : 0.5));
    if (std::fabs(scaled - static_cast<double>(thousandths)) < 0.5 - 0x1p-10) {
      char* p = pos_;
      *p = ',';
      p += need_comma_ ? 1 : 0;
      commit(write_thousandths(thousandths, p));
      need_comma_ = true;
      return;
    }
  }
  number_exact(value);
}

void JsonWriter::number_exact(double value) {
  if (!std::isfinite(value)) {
    null();
    return;
  }
  char* p = reserve(kNumberRoom);
  *p = ',';
  p += need_comma_ ? 1 : 0;
  need_comma_ = true;
  if (std::fabs(value) >= kFixedLimit) {
    // Past 2^53 a double has no fractional digits to keep, and integer literals of 20 or
    // more digits are rejected by some readers (simdjson among them); exponent form parses
    // everywhere.
    commit(std::to_chars(p, p + kNumberRoom - 1, value, std::chars_format::scientific).ptr);
    return;
  }
  const auto result = std::to_chars(p, p + kNumberRoom - 1, value, std::chars_format::fixed, 3);
  char* last = result.ptr;
  while (last[-1] == '0') --last;  // the fraction always has 3 digits, so a '.' stops this
  if (last[-1] == '.') --last;
  if (last - p == 2 && p[0] == '-' && p[1] == '0') {
    // -0.0001 rounds to "-0"; JSON readers need no sign there.
    p[0] = '0';
    last = p + 1;
  }
  commit(last);
}

}  // namespace tlsfleet::output
