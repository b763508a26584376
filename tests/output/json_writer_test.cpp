// Escaping must keep every record one valid JSON line whatever bytes a server sends; each
// case is checked on the exact text written and by parsing it back with simdjson.
#include "output/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace tlsfleet::output {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string escape(std::string_view value) {
  std::string out;
  append_json_string(value, out);
  return out;
}

// Parses `json` as a lone JSON string and returns its decoded value.
std::string reparse(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view value;
  const auto error = parser.parse(json).get_string().get(value);
  EXPECT_EQ(error, simdjson::SUCCESS) << "not a valid JSON string: " << json;
  return std::string(value);
}

// No byte that could end a line or upset a terminal survives in the output.
bool has_raw_control(const std::string& json) {
  for (unsigned char c : json) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

TEST(AppendJsonString, PlainAsciiIsCopiedBetweenQuotes) {
  EXPECT_EQ(escape("CN=example.com,O=Example"), "\"CN=example.com,O=Example\"");
  EXPECT_EQ(escape(""), "\"\"");
  EXPECT_EQ(escape("a/b"), "\"a/b\"");
}

TEST(AppendJsonString, QuotesAndBackslashesAreEscaped) {
  const std::string input = "say \"hi\" C:\\path\\\"";
  const std::string json = escape(input);
  EXPECT_EQ(json, R"("say \"hi\" C:\\path\\\"")");
  EXPECT_EQ(reparse(json), input);
}

TEST(AppendJsonString, ShortEscapesForCommonControls) {
  EXPECT_EQ(escape("a\nb"), R"("a\nb")");
  EXPECT_EQ(escape("\r\n"), R"("\r\n")");
  EXPECT_EQ(escape("\t"), R"("\t")");
  EXPECT_EQ(escape("\b\f"), R"("\b\f")");
}

TEST(AppendJsonString, EveryControlByteAndDelIsEscapedAndRoundTrips) {
  std::vector<int> bytes;
  for (int c = 0; c < 0x20; ++c) bytes.push_back(c);
  bytes.push_back(0x7f);
  for (int c : bytes) {
    std::string input = "x";
    input.push_back(static_cast<char>(c));
    input += "y";
    const std::string json = escape(input);
    EXPECT_FALSE(has_raw_control(json)) << "byte 0x" << std::hex << c;
    EXPECT_EQ(reparse(json), input) << "byte 0x" << std::hex << c;
  }
  EXPECT_EQ(escape(std::string(1, '\0')), R"("\u0000")");
  EXPECT_EQ(escape("\x1f"), R"("\u001f")");
  EXPECT_EQ(escape("\x0b"), R"("\u000b")");
  EXPECT_EQ(escape("\x7f"), R"("\u007f")");
}

struct InvalidCase {
  const char* name;
  std::string input;
  std::string expected;  // decoded value after the round trip
};

TEST(AppendJsonString, InvalidUtf8IsReplacedPerMaximalSubpart) {
  const std::string r = kFffd;
  const std::vector<InvalidCase> cases = {
      {"lone continuation", "a\x80z", "a" + r + "z"},
      {"continuations", "\x80\xBF", r + r},
      {"C0 overlong of '/'", "\xC0\xAF", r + r},
      {"C1 overlong", "\xC1\xBF", r + r},
      {"3-byte overlong", "\xE0\x80\xAF", r + r + r},
      {"3-byte overlong max", "\xE0\x9F\xBF", r + r + r},
      {"4-byte overlong", "\xF0\x80\x80\xAF", r + r + r + r},
      {"4-byte overlong max", "\xF0\x8F\xBF\xBF", r + r + r + r},
      {"high surrogate U+D800", "\xED\xA0\x80", r + r + r},
      {"low surrogate U+DFFF", "\xED\xBF\xBF", r + r + r},
      {"surrogate pair in CESU-8", "\xED\xA0\xBD\xED\xB8\x80", r + r + r + r + r + r},
      {"above U+10FFFF", "\xF4\x90\x80\x80", r + r + r + r},
      {"F5 lead", "\xF5\x80\x80\x80", r + r + r + r},
      {"FE and FF", "\xFE\xFF", r + r},
      {"truncated 2-byte at end", "ab\xC3", "ab" + r},
      {"truncated 3-byte at end", "abc\xE2\x82", "abc" + r},
      {"truncated 4-byte at end", "\xF0\x9F\x98", r},
      {"truncated 3-byte mid",
       "\xE2\x82"
       "A",
       r + "A"},
      {"truncated 4-byte before quote", "\xF0\x9F\"", r + "\""},
      {"lead before lead", "\xC3\xC3\xA9", r + "\xC3\xA9"},
      {"5-byte form", "\xF8\x88\x80\x80\x80", r + r + r + r + r},
  };
  for (const InvalidCase& c : cases) {
    const std::string json = escape(c.input);
    EXPECT_TRUE(simdjson::validate_utf8(json.data(), json.size())) << c.name;
    EXPECT_EQ(reparse(json), c.expected) << c.name;
  }
}

TEST(AppendJsonString, ValidMultiByteCharactersAreKeptRaw) {
  const std::vector<std::string> valid = {
      "\xC3\xA9",          // é, 2 bytes
      "\xE2\x82\xAC",      // €, 3 bytes
      "\xF0\x9F\x98\x80",  // 😀, 4 bytes
      "\xED\x9F\xBF",      // U+D7FF, just below the surrogates
      "\xEE\x80\x80",      // U+E000, just above them
      "\xEF\xBF\xBF",      // U+FFFF
      "\xF4\x8F\xBF\xBF",  // U+10FFFF, the last code point
      "\xC2\x80",          // U+0080, the first 2-byte character
  };
  for (const std::string& ch : valid) {
    const std::string input = "<" + ch + ">";
    EXPECT_EQ(escape(input), "\"" + input + "\"");
    EXPECT_EQ(reparse(escape(input)), input);
  }
}

TEST(AppendJsonString, LineAndParagraphSeparatorsAreEscaped) {
  EXPECT_EQ(escape("a\xE2\x80\xA8z"), R"("a\u2028z")");
  EXPECT_EQ(escape("\xE2\x80\xA9"), R"("\u2029")");
  EXPECT_EQ(reparse(escape("a\xE2\x80\xA8z")), "a\xE2\x80\xA8z");
  // Neighbours of the separators are ordinary characters.
  EXPECT_EQ(escape("\xE2\x80\xAA"), "\"\xE2\x80\xAA\"");
}

// Plain ASCII is skipped 8 bytes at a time: a special byte in any lane of a word, next to
// plain bytes of every value, must still be seen.
TEST(AppendJsonString, SpecialByteInEveryPositionOfALongRun) {
  const std::vector<std::pair<std::string, std::string>> specials = {
      {"\"", R"(\")"},          {"\\", R"(\\)"},
      {"\n", R"(\n)"},          {std::string(1, '\0'), R"(\u0000)"},
      {"\x1f", R"(\u001f)"},    {"\x7f", R"(\u007f)"},
      {"\x80", kFffd},          {"\xFF", kFffd},
      {"\xC3\xA9", "\xC3\xA9"}, {"\xE2\x80\xA8", R"(\u2028)"}};
  for (char plain : {' ', '~', 'a', '!', '0'}) {
    for (const auto& [special, escaped] : specials) {
      for (std::size_t at = 0; at <= 24; ++at) {
        const std::string input = std::string(at, plain) + special + std::string(24 - at, plain);
        const std::string want =
            "\"" + std::string(at, plain) + escaped + std::string(24 - at, plain) + "\"";
        ASSERT_EQ(escape(input), want) << "position " << at;
      }
    }
  }
  const std::string long_plain(1000, 'x');
  EXPECT_EQ(escape(long_plain), "\"" + long_plain + "\"");
}

TEST(AppendJsonString, AppendsAfterExistingContent) {
  std::string out = "prefix:";
  append_json_string("v", out);
  EXPECT_EQ(out, "prefix:\"v\"");
}

// Random byte soup, biased towards the bytes that matter: every output must parse, be
// valid UTF-8 without raw controls, and reproduce any input that was valid UTF-8.
TEST(AppendJsonString, RandomBytesAlwaysGiveOneValidJsonString) {
  const std::vector<std::string> pieces = {"a",
                                           "\"",
                                           "\\",
                                           "\n",
                                           std::string(1, '\0'),
                                           "\x7f",
                                           "\x80",
                                           "\xBF",
                                           "\xC0",
                                           "\xC3",
                                           "\xC3\xA9",
                                           "\xE0",
                                           "\xE2\x80\xA8",
                                           "\xE2\x82\xAC",
                                           "\xED\xA0\x80",
                                           "\xF0\x9F\x98\x80",
                                           "\xF4\x90",
                                           "\xF8",
                                           "\xFF",
                                           "\x1b[31m"};
  std::mt19937 rng(20261127);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 12);
  int valid_inputs = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    for (int n = length(rng); n > 0; --n) input += pieces[pick(rng)];
    const std::string json = escape(input);
    ASSERT_FALSE(has_raw_control(json)) << round;
    ASSERT_TRUE(simdjson::validate_utf8(json.data(), json.size())) << round;
    const std::string decoded = reparse(json);
    if (simdjson::validate_utf8(input.data(), input.size())) {
      ++valid_inputs;
      ASSERT_EQ(decoded, input) << round;
    }
  }
  EXPECT_GT(valid_inputs, 100);  // the property above was exercised, not vacuous
}

TEST(JsonWriter, PlacesCommasAndColons) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.integer(1);
  w.key("b");
  w.begin_array();
  w.boolean(true);
  w.boolean(false);
  w.null();
  w.end_array();
  w.key("c");
  w.begin_object();
  w.key("d");
  w.string("x");
  w.end_object();
  w.key("e");
  w.begin_array();
  w.end_array();
  w.key("f");
  w.begin_object();
  w.end_object();
  w.key("g");
  w.string_or_null(std::nullopt);
  w.key("h");
  w.string_or_null(std::string("y"));
  w.end_object();
  w.flush();
  EXPECT_EQ(out, R"({"a":1,"b":[true,false,null],"c":{"d":"x"},"e":[],"f":{},"g":null,"h":"y"})");
  simdjson::dom::parser parser;
  EXPECT_EQ(parser.parse(out).error(), simdjson::SUCCESS);
}

TEST(JsonWriter, ArraysOfObjectsAndNestedArrays) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  for (int i = 0; i < 2; ++i) {
    w.begin_object();
    w.key("i");
    w.integer(i);
    w.end_object();
  }
  w.begin_array();
  w.begin_array();
  w.end_array();
  w.end_array();
  w.end_array();
  w.flush();
  EXPECT_EQ(out, R"([{"i":0},{"i":1},[[]]])");
}

TEST(JsonWriter, KeysAreEscaped) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("we\"ird\n");
  w.integer(1);
  w.end_object();
  w.flush();
  EXPECT_EQ(out, R"({"we\"ird\n":1})");
}

// Plain names and values up to 512 bytes are copied into the writer's buffer, longer or
// escaped ones go the long way: both give the same text, at each length where the copy
// changes its steps (1-3 bytes, 4-7, 8-15, 16-byte chunks), at the edge of the buffered
// path (512) and past the buffer (4 KiB).
TEST(JsonWriter, ShortAndLongStringsWriteTheSame) {
  for (size_t n :
       {0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200, 511, 512, 513, 4095, 5000}) {
    for (char special : {'a', '"', '\x01', '\xff'}) {
      std::string text(n, 'x');
      if (n > 0) text[n / 2] = special;
      std::string expected = "{";
      append_json_string(text, expected);
      expected += ":";
      append_json_string(text, expected);
      expected += ",\"k\":[";
      append_json_string(text, expected);
      expected += ",";
      append_json_string(text, expected);
      expected += "]}";
      std::string out;
      JsonWriter w(out);
      w.begin_object();
      w.key(text);
      w.string(text);
      w.key("k");
      w.begin_array();
      w.string(text);
      w.string(text);
      w.end_array();
      w.end_object();
      w.flush();
      EXPECT_EQ(out, expected) << "length " << n << ", byte " << int(special);
      simdjson::dom::parser parser;
      EXPECT_EQ(parser.parse(out).error(), simdjson::SUCCESS) << out;
    }
  }
}

TEST(JsonWriter, EveryByteAtEveryPositionIsCopiedOnlyWhenPlain) {
  // The writer copies a string and checks it in the same steps: single bytes up to 3, the
  // first and last 4 up to 7, the first and last 8 up to 15, then 16 at a time with a last
  // chunk overlapping the one before. Each byte value, at every position of strings up to
  // 50 long (four chunks), must be copied as it is exactly when it is printable ASCII other
  // than '"' and '\\', and escaped (or replaced) otherwise.
  for (size_t n = 1; n <= 50; ++n) {
    for (size_t at = 0; at < n; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text(n, 'p');
        text[at] = static_cast<char>(byte);
        const bool plain = byte >= 0x20 && byte < 0x7f && byte != '"' && byte != '\\';
        std::string out;
        {
          JsonWriter w(out);
          w.string(text);
        }
        ASSERT_EQ(out == "\"" + text + "\"", plain)
            << "length " << n << ", byte " << byte << " at " << at << ": " << out;
      }
    }
  }
}

TEST(JsonWriter, WritesPastItsBufferInOrderAndFlushesAtItsEnd) {
  // Thousands of pieces of every kind and length (some short and plain, some escaped, some
  // longer than the writer's buffer) come out in order; the string is complete once the
  // writer is gone, without a flush() call.
  std::string out = "before ";
  std::string expected = "before [";
  {
    JsonWriter w(out);
    w.begin_array();
    for (int i = 0; i < 3000; ++i) {
      if (i > 0) expected += ',';
      switch (i % 4) {
        case 0:
          w.integer(i);
          expected += std::to_string(i);
          break;
        case 1: {
          std::string text(static_cast<std::size_t>(i % 1500), 'a' + static_cast<char>(i % 26));
          if (i % 3 == 0 && !text.empty()) text[text.size() / 2] = '"';
          w.string(text);
          append_json_string(text, expected);
          break;
        }
        case 2:
          w.begin_object();
          w.key("k");
          w.null();
          w.end_object();
          expected += "{\"k\":null}";
          break;
        default:
          w.boolean(i % 8 == 3);
          expected += i % 8 == 3 ? "true" : "false";
      }
    }
    w.end_array();
  }
  expected += ']';
  EXPECT_EQ(out, expected);
  simdjson::dom::parser parser;
  EXPECT_EQ(parser.parse(out.substr(7)).error(), simdjson::SUCCESS);
}

TEST(JsonWriter, EveryPieceAtEveryFillOfItsBuffer) {
  // A piece that does not fit in what is left of the writer's 4 KiB buffer flushes it first
  // (strings and numbers check the room once and take their long way when it is short).
  // Fillers put the pieces after them at every fill from 3 to 4502 bytes, so each meets the
  // buffer's end at every offset; every time, the text must be the one written anywhere else.
  const std::string chunked(40, 'c');
  const std::string escaped = "tab\there";
  const std::string long_text(600, 'L');
  std::string pieces = "[";
  append_json_string(chunked, pieces);
  pieces += ",\"ab\",3.688,null,-12.5,1e+15,{\"literal\":true,\"runtime\":false,";
  pieces += "\"x\":-9223372036854775807},[],";
  append_json_string(escaped, pieces);
  pieces += ",";
  append_json_string(long_text, pieces);
  pieces += "]";

  bool flushed_on_its_own = false;
  bool held_all = false;
  for (int fixed = 0; fixed <= 9; ++fixed) {
    for (std::size_t variable = 0; variable < 500; ++variable) {
      // "[" and a filler of `variable` bytes, then `fixed` fillers of 500 bytes each with
      // their quotes and comma.
      std::string expected = "[";
      std::string out;
      JsonWriter w(out);
      w.begin_array();
      const std::string filler(variable, 'f');
      w.string(filler);
      append_json_string(filler, expected);
      const std::string filler_500(497, 'g');
      for (int i = 0; i < fixed; ++i) {
        w.string(filler_500);
        expected += ",";
        append_json_string(filler_500, expected);
      }
      expected += "," + pieces + "]";
      w.begin_array();
      w.string(chunked);
      w.string("ab");
      w.number(3.688);
      w.number(std::numeric_limits<double>::quiet_NaN());
      w.number(-12.5);
      w.number(1e15);
      w.begin_object();
      w.key("literal");
      w.boolean(true);
      w.key(std::string_view("runtime"));
      w.boolean(false);
      w.key("x");
      w.integer(-9223372036854775807);
      w.end_object();
      w.begin_array();
      w.end_array();
      // The last two take the long way, which flushes: has the buffer flushed before?
      (out.empty() ? held_all : flushed_on_its_own) = true;
      w.string(escaped);
      w.string(long_text);
      w.end_array();
      w.end_array();
      w.flush();
      ASSERT_EQ(out, expected) << fixed << " fillers of 500 bytes after one of " << variable;
    }
  }
  // Both ways were taken: the fills reached past the buffer's end.
  EXPECT_TRUE(flushed_on_its_own);
  EXPECT_TRUE(held_all);
}

TEST(JsonWriter, IntegersCoverTheWholeRange) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.integer(0);
  w.integer(-1);
  w.integer(std::numeric_limits<int64_t>::max());
  w.integer(std::numeric_limits<int64_t>::min());
  w.end_array();
  w.flush();
  EXPECT_EQ(out, "[0,-1,9223372036854775807,-9223372036854775808]");
}

std::string number_text(double value) {
  std::string out;
  JsonWriter w(out);
  w.number(value);
  w.flush();
  return out;
}

TEST(JsonWriter, NumbersHaveAtMostThreeDecimals) {
  EXPECT_EQ(number_text(12.345), "12.345");
  EXPECT_EQ(number_text(0.5), "0.5");
  EXPECT_EQ(number_text(7.0), "7");
  EXPECT_EQ(number_text(0.0), "0");
  EXPECT_EQ(number_text(100.0), "100");
  EXPECT_EQ(number_text(1.10), "1.1");
  EXPECT_EQ(number_text(2.0004), "2");
  EXPECT_EQ(number_text(2.9996), "3");
  EXPECT_EQ(number_text(0.0123456), "0.012");
  EXPECT_EQ(number_text(-1.25), "-1.25");
  EXPECT_EQ(number_text(-0.0001), "0");
  EXPECT_EQ(number_text(-0.0), "0");
  EXPECT_EQ(number_text(123456789.5), "123456789.5");
  EXPECT_EQ(number_text(999999999999999.5), "999999999999999.5");
  EXPECT_EQ(number_text(1e15), "1e+15");
  EXPECT_EQ(number_text(-1.5e300), "-1.5e+300");
}

// What number() must print: the double's exact value rounded to 3 decimals by to_chars,
// trailing zeros dropped, "-0" as "0". number() takes a shortcut below 2^32.
std::string reference_number_text(double value) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 3);
  const char* last = result.ptr;
  while (last[-1] == '0') --last;
  if (last[-1] == '.') --last;
  std::string text(buf, static_cast<std::size_t>(last - buf));
  return text == "-0" ? "0" : text;
}

TEST(JsonWriter, NumbersMatchExactRoundingEverywhere) {
  std::mt19937_64 rng(20261128);
  std::vector<double> values = {0.0005, 0.0015,           1.0625,          -1.0625,      2.0005,
                                0.9995, -0.0005,          4294967295.9995, 4294967296.0, 1e-9,
                                -1e-9,  0x1p32 - 0x1p-20, 1234.5675};
  // Where number() changes its way: 2^32 (its own rounding below, to_chars above) on either
  // side and both signs, 1e15 from below (exponent form from there on, see below), the
  // smallest doubles, and "-0" from values that round to zero.
  for (double v : {0x1p32, std::nextafter(0x1p32, 0.0), std::nextafter(0x1p32, 1e300),
                   999999999999999.9, std::nextafter(1e15, 0.0), 5e-324, 2.2250738585072014e-308,
                   -0.0004, -0.0004999, -0.00049999999999999996, 0.0, -0.0}) {
    values.push_back(v);
    values.push_back(-v);
  }
  // Exact halves in binary (k / 2048 ms are ties at three decimals for odd k).
  for (int k = -4000; k <= 4000; k += 7) values.push_back(k / 2048.0);
  std::uniform_real_distribution<double> ms(0.0, 60000.0);
  std::uniform_real_distribution<double> wide(-1e10, 1e10);
  std::uniform_int_distribution<int64_t> thousandths(-5'000'000'000'000, 5'000'000'000'000);
  for (int i = 0; i < 20000; ++i) {
    values.push_back(ms(rng));
    values.push_back(wide(rng));
    // Values at and next to a rounding boundary: x.xxx5 and its neighbouring doubles.
    const double boundary = (static_cast<double>(thousandths(rng)) + 0.5) / 1000.0;
    values.push_back(boundary);
    values.push_back(std::nextafter(boundary, 0.0));
    values.push_back(std::nextafter(boundary, 1e300));
  }
  for (double v : values) {
    ASSERT_EQ(number_text(v), reference_number_text(v)) << std::hexfloat << v;
  }
}

TEST(JsonWriter, LiteralKeysMatchRuntimeKeys) {
  // key("...") with a literal takes the inline path; key(std::string_view) the general one.
  std::string literal_out;
  JsonWriter literal(literal_out);
  literal.begin_object();
  literal.key("schema");
  literal.integer(1);
  literal.key("a\"quote");  // needs escaping: falls back to the general path
  literal.begin_object();
  literal.key("x");
  literal.null();
  literal.key("a_name_of_exactly_thirty_two_ch");
  literal.boolean(true);
  literal.key("a_name_longer_than_thirty_two_bytes_in_all");
  literal.boolean(false);
  literal.end_object();
  literal.end_object();

  std::string runtime_out;
  JsonWriter runtime(runtime_out);
  runtime.begin_object();
  runtime.key(std::string_view("schema"));
  runtime.integer(1);
  runtime.key(std::string_view("a\"quote"));
  runtime.begin_object();
  runtime.key(std::string_view("x"));
  runtime.null();
  runtime.key(std::string_view("a_name_of_exactly_thirty_two_ch"));
  runtime.boolean(true);
  runtime.key(std::string_view("a_name_longer_than_thirty_two_bytes_in_all"));
  runtime.boolean(false);
  runtime.end_object();
  runtime.end_object();
  literal.flush();
  runtime.flush();

  EXPECT_EQ(literal_out, runtime_out);
  EXPECT_EQ(literal_out,
            "{\"schema\":1,\"a\\\"quote\":{\"x\":null,\"a_name_of_exactly_thirty_two_ch\":true,"
            "\"a_name_longer_than_thirty_two_bytes_in_all\":false}}");
}

// From 1e15 on, number() writes to_chars' shortest exponent form, both signs alike.
TEST(JsonWriter, NumbersFromTheFixedLimitOnUseExponentForm) {
  for (double v : {1e15, std::nextafter(1e15, 1e300), 1.5e15, 0x1p53 + 2, 1e21, 1e300,
                   std::numeric_limits<double>::max()}) {
    for (double signed_value : {v, -v}) {
      char buf[64];
      const auto result =
          std::to_chars(buf, buf + sizeof buf, signed_value, std::chars_format::scientific);
      EXPECT_EQ(number_text(signed_value), std::string(buf, result.ptr)) << signed_value;
    }
  }
  EXPECT_EQ(number_text(-1e15), "-1e+15");
  EXPECT_EQ(number_text(std::nextafter(1e15, 0.0)), "999999999999999.875");
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  EXPECT_EQ(number_text(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(number_text(-std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(number_text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(number_text(-std::numeric_limits<double>::infinity()), "null");
  // In a sequence, null takes the comma like any value.
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.number(1.25);
  w.number(std::numeric_limits<double>::infinity());
  w.number(2);
  w.end_array();
  w.flush();
  EXPECT_EQ(out, "[1.25,null,2]");
}

TEST(JsonWriter, HugeNumbersStillParse) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.number(1e300);
  w.number(std::numeric_limits<double>::max());
  w.number(-std::numeric_limits<double>::max());
  w.number(1.2345678901234567e20);  // 21 digits as an integer literal: too big for simdjson
  w.end_array();
  w.flush();
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  ASSERT_EQ(parser.parse(out).get_array().get(array), simdjson::SUCCESS) << out;
  std::vector<double> values;
  for (simdjson::dom::element e : array) values.push_back(e.get_double().value());
  ASSERT_EQ(values.size(), 4u);
  EXPECT_DOUBLE_EQ(values[0], 1e300);
  EXPECT_DOUBLE_EQ(values[1], std::numeric_limits<double>::max());
  EXPECT_DOUBLE_EQ(values[2], -std::numeric_limits<double>::max());
  EXPECT_DOUBLE_EQ(values[3], 1.2345678901234567e20);
}

}  // namespace
}  // namespace tlsfleet::output
