#include "net/target_reader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

// The largest single allocation made while g_tracking is set, so a test can show that
// reading a huge line never allocates anything near its size. The replacement only
// counts; memory still comes from malloc.
namespace {
std::atomic<bool> g_tracking{false};
std::atomic<size_t> g_largest_allocation{0};
}  // namespace

void* operator new(size_t size) {
  if (g_tracking.load(std::memory_order_relaxed)) {
    size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
    while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size)) {
    }
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow forms too: the whole test binary (net_tests) gets these, and a block from
// the sanitizer's own nothrow new (std::stable_sort's buffer, say) must not reach the
// free() below (AddressSanitizer: alloc-dealloc-mismatch).
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}
// Not inlined, so that GCC does not see free() meet a pointer from operator new and warn.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace tlsfleet::net {
namespace {

struct Reported {
  size_t line;
  std::string reason;
};

// Reads every target from text, collecting targets' hosts (or addresses) and errors.
struct ReadAll {
  explicit ReadAll(const std::string& text) : in(text) {
    TargetReader reader(in, [this](size_t line, const std::string& reason) {
      errors.push_back({line, reason});
    });
    while (auto target = reader.next()) {
      items.push_back(target->kind == TargetKind::kName ? target->host
                                                        : target->range.first.to_string());
      lines.push_back(reader.line_number());
    }
    bad_lines = reader.bad_lines();
  }
  std::istringstream in;
  std::vector<std::string> items;
  std::vector<size_t> lines;
  std::vector<Reported> errors;
  size_t bad_lines = 0;
};

TEST(TargetReaderTest, EmptyStream) {
  ReadAll r("");
  EXPECT_TRUE(r.items.empty());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.bad_lines, 0u);
}

TEST(TargetReaderTest, OnlyBlankAndComments) {
  ReadAll r("\n\n   \n\t\n# a comment\n   # indented comment\n");
  EXPECT_TRUE(r.items.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST(TargetReaderTest, SkipsCommentsAndBlankLinesKeepingLineNumbers) {
  ReadAll r(
      "# fleet\n"
      "\n"
      "a.example\n"
      "  b.example  \n"
      "\tc.example:8443 # the admin port\n"
      "10.0.0.1#not-a-comment\n"
      "https://d.example/#frag\n"
      "e.example");  // no final newline
  EXPECT_EQ(r.items, (std::vector<std::string>{"a.example", "b.example", "c.example", "d.example",
                                               "e.example"}));
  EXPECT_EQ(r.lines, (std::vector<size_t>{3, 4, 5, 7, 8}));
  // "#" without a space before it is not a comment, so that line is a bad target.
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 6u);
  EXPECT_NE(r.errors[0].reason.find("10.0.0.1#not-a-comment"), std::string::npos);
}

TEST(TargetReaderTest, CrlfLines) {
  ReadAll r("a.example\r\n\r\n# c\r\n10.0.0.1:443\r\nb.example\r\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"a.example", "10.0.0.1", "b.example"}));
  EXPECT_EQ(r.lines, (std::vector<size_t>{1, 4, 5}));
  EXPECT_TRUE(r.errors.empty());
}

TEST(TargetReaderTest, Utf8BomOnFirstLine) {
  ReadAll r(
      "\xEF\xBB\xBF"
      "a.example\r\nb.example\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST(TargetReaderTest, BadLinesAreReportedAndReadingGoesOn) {
  ReadAll r(
      "good.example\n"
      "a..b\n"
      "example.com:70000\n"
      "\n"
      "10.0.0.5\n"
      "[::1\n"
      "last.example\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"good.example", "10.0.0.5", "last.example"}));
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_EQ(r.errors[0].reason, "invalid hostname 'a..b': empty label");
  EXPECT_EQ(r.errors[1].line, 3u);
  EXPECT_EQ(r.errors[1].reason, "port 70000 out of range");
  EXPECT_EQ(r.errors[2].line, 6u);
  EXPECT_EQ(r.bad_lines, 3u);
}

TEST(TargetReaderTest, LineAtTheLimitIsRead) {
  std::string name = std::string(63, 'a') + "." + std::string(63, 'b');
  std::string line = name + std::string(TargetReader::kMaxLineLength - name.size(), ' ');
  ASSERT_EQ(line.size(), TargetReader::kMaxLineLength);
  ReadAll r(line + "\r\n" + line);
  EXPECT_EQ(r.items, (std::vector<std::string>{name, name}));
  EXPECT_TRUE(r.errors.empty());
}

TEST(TargetReaderTest, LineOverTheLimitIsRejected) {
  std::string line(TargetReader::kMaxLineLength + 1, 'a');
  ReadAll r("x.example\n" + line + "\ny.example\n" + line);
  EXPECT_EQ(r.items, (std::vector<std::string>{"x.example", "y.example"}));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_EQ(r.errors[0].reason, "line too long (more than 4096 bytes)");
  EXPECT_EQ(r.errors[1].line, 4u);
}

// A stream of one huge line generated on the fly, so the test itself does not hold it.
// It counts the bytes handed out, to prove the reader consumed the whole line.
class HugeLineBuf : public std::streambuf {
 public:
  HugeLineBuf(size_t line_length, std::string tail)
      : remaining_(line_length), tail_(std::move(tail)) {
    chunk_.assign(4096, 'x');
  }
  size_t served() const { return served_; }

 protected:
  int_type underflow() override {
    if (remaining_ > 0) {
      size_t n = std::min(remaining_, chunk_.size());
      remaining_ -= n;
      served_ += n;
      setg(chunk_.data(), chunk_.data(), chunk_.data() + n);
      return traits_type::to_int_type(chunk_[0]);
    }
    if (!tail_done_) {
      tail_done_ = true;
      served_ += tail_.size();
      setg(tail_.data(), tail_.data(), tail_.data() + tail_.size());
      if (!tail_.empty()) return traits_type::to_int_type(tail_[0]);
    }
    return traits_type::eof();
  }

 private:
  size_t remaining_;
  std::string tail_;
  std::string chunk_;
  bool tail_done_ = false;
  size_t served_ = 0;
};

// Without this, a broken allocation hook would let the next test pass vacuously.
TEST(TargetReaderTest, AllocationTrackerSeesLargeAllocations) {
  g_largest_allocation = 0;
  g_tracking = true;
  auto* big = new std::string(100000, 'x');
  g_tracking = false;
  delete big;
  EXPECT_GE(g_largest_allocation.load(), 100000u);
}

TEST(TargetReaderTest, TenMegabyteLineIsSkippedWithoutBeingStored) {
  constexpr size_t kTenMegabytes = 10 * 1024 * 1024;
  HugeLineBuf buf(kTenMegabytes, "\nafter.example\n");
  std::istream in(&buf);
  std::vector<Reported> errors;
  TargetReader reader(in, [&](size_t line, const std::string& reason) {
    errors.push_back({line, reason});
  });
  g_largest_allocation = 0;
  g_tracking = true;
  auto target = reader.next();
  g_tracking = false;
  EXPECT_LT(g_largest_allocation.load(), 64u * 1024u);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->host, "after.example");
  EXPECT_EQ(reader.line_number(), 2u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 1u);
  EXPECT_EQ(errors[0].reason, "line too long (more than 4096 bytes)");
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(buf.served(), kTenMegabytes + 15);
}

TEST(TargetReaderTest, BinaryGarbageIsJustBadLines) {
  std::string garbage("\x00\x01\xff\xfe\x7f\x80garbage\x00", 14);
  ReadAll r("a.example\n" + garbage + "\n\x1b[31mred\n" + std::string("\0\0\0", 3) +
            "\nb.example\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"a.example", "b.example"}));
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_EQ(r.errors[0].reason, "invalid byte 0x00 at position 1");
  EXPECT_EQ(r.errors[1].line, 3u);
  EXPECT_EQ(r.errors[2].line, 4u);
  for (const Reported& e : r.errors) {
    for (char c : e.reason) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "unprintable byte in reason";
  }
}

TEST(TargetReaderTest, WorksWithoutAnErrorHandler) {
  std::istringstream in("bad..name\nok.example\n");
  TargetReader reader(in, nullptr);
  auto target = reader.next();
  ASSERT_TRUE(target);
  EXPECT_EQ(target->host, "ok.example");
  EXPECT_EQ(reader.bad_lines(), 1u);
}

TEST(TargetReaderTest, NextAfterEndStaysAtEnd) {
  std::istringstream in("a.example\n");
  TargetReader reader(in, nullptr);
  EXPECT_TRUE(reader.next());
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.line_number(), 1u);
}

// Hands out text in pieces of a fixed size, so lines straddle buffer refills; or, with
// piece 0, through underflow()/uflow() alone, with no buffer at all. position() is how many
// bytes the reader has taken. With throw_at_end, the refill after the text throws instead
// of reporting end of stream, the way std::filebuf does on a read error.
class PiecewiseBuf : public std::streambuf {
 public:
  PiecewiseBuf(std::string text, size_t piece, bool throw_at_end = false)
      : text_(std::move(text)), piece_(piece), throw_at_end_(throw_at_end) {}
  size_t position() const { return offset_ + (gptr() != nullptr ? gptr() - eback() : 0); }

 protected:
  int_type underflow() override {
    if (gptr() != nullptr && gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (gptr() != nullptr) offset_ += gptr() - eback();
    setg(nullptr, nullptr, nullptr);
    if (offset_ >= text_.size()) return at_end();
    if (piece_ == 0) return traits_type::to_int_type(text_[offset_]);
    size_t n = std::min(piece_, text_.size() - offset_);
    setg(text_.data() + offset_, text_.data() + offset_, text_.data() + offset_ + n);
    return traits_type::to_int_type(*gptr());
  }
  int_type uflow() override {
    if (piece_ != 0) return std::streambuf::uflow();
    if (offset_ >= text_.size()) return at_end();
    return traits_type::to_int_type(text_[offset_++]);
  }

 private:
  int_type at_end() {
    if (throw_at_end_) throw std::runtime_error("read error");
    return traits_type::eof();
  }
  std::string text_;
  size_t piece_;
  bool throw_at_end_;
  size_t offset_ = 0;
};

// Everything a read of text yields, as one string to compare.
std::string read_through(std::streambuf* buf) {
  std::istream in(buf);
  std::string out;
  TargetReader reader(in, [&](size_t line, const std::string& reason) {
    out += "error " + std::to_string(line) + ": " + reason + "\n";
  });
  while (auto target = reader.next()) {
    out +=
        std::to_string(reader.line_number()) + ": " + target->text + " -> " + target->host + "\n";
  }
  out += "bad " + std::to_string(reader.bad_lines()) + "\n";
  return out;
}

// Every edge of line reading in one file: lines at the limit (LF, CRLF), one over (LF,
// CRLF, and at the limit with a second CR), a far longer one, blank lines, comments, a
// NUL, invalid UTF-8, a BOM where only line 1 may carry one, and no final newline.
std::string hostile_file() {
  const size_t limit = TargetReader::kMaxLineLength;
  auto padded = [](size_t length) {
    const std::string name = "k.example";
    return name + std::string(length - name.size(), ' ');
  };
  std::string text =
      "\xEF\xBB\xBF"
      "first.example\r\n";                     // 1
  text += padded(limit) + "\n";                // 2
  text += padded(limit) + "\r\n";              // 3
  text += padded(limit + 1) + "\n";            // 4
  text += padded(limit + 1) + "\r\n";          // 5
  text += padded(limit) + "\r\r\n";            // 6
  text += std::string(3 * limit, 'x') + "\n";  // 7
  text += "\n# comment\r\n";                   // 8, 9
  text += "  a.example # a note\n";            // 10
  text += std::string("nul\0.example\n", 13);  // 11
  text += "b\xc3\xbc.example\n";               // 12
  text +=
      "\xEF\xBB\xBF"
      "bom.example\n";       // 13
  text += "c.example \r\n";  // 14
  text += "last.example";    // 15
  return text;
}

TEST(TargetReaderTest, HostileFileReadsTheSameInAnyPieces) {
  std::istringstream whole(hostile_file());
  const std::string expected = read_through(whole.rdbuf());
  const std::string limit = std::to_string(TargetReader::kMaxLineLength);
  EXPECT_EQ(expected,
            "1: first.example -> first.example\n"
            "2: k.example -> k.example\n"
            "3: k.example -> k.example\n"
            "error 4: line too long (more than " +
                limit +
                " bytes)\n"
                "error 5: line too long (more than " +
                limit +
                " bytes)\n"
                "error 6: line too long (more than " +
                limit +
                " bytes)\n"
                "error 7: line too long (more than " +
                limit +
                " bytes)\n"
                "10: a.example -> a.example\n"
                "error 11: invalid byte 0x00 at position 4\n"
                "error 12: invalid byte 0xc3 at position 2 (international names must be given in "
                "their xn-- form)\n"
                "error 13: invalid byte 0xef at position 1 (international names must be given in "
                "their xn-- form)\n"
                "14: c.example -> c.example\n"
                "15: last.example -> last.example\n"
                "bad 7\n");
  for (size_t piece : {0, 1, 2, 3, 7, 64, 4095, 4096, 4097, 8192}) {
    PiecewiseBuf buf(hostile_file(), piece);
    EXPECT_EQ(read_through(&buf), expected) << "pieces of " << piece;
  }
}

// Nothing is read ahead: after a target, the stream stands at the start of the next line,
// so whatever else reads it (or polls it for more input) sees exactly what is left.
TEST(TargetReaderTest, StopsRightAfterTheLineItReturns) {
  const std::string text = "a.example\r\n\n# c\nb.example\nc.example";
  for (size_t piece : {0, 1, 4, 64}) {
    PiecewiseBuf buf(text, piece);
    std::istream in(&buf);
    TargetReader reader(in, nullptr);
    ASSERT_TRUE(reader.next());
    EXPECT_EQ(buf.position(), 11u) << "pieces of " << piece;
    ASSERT_TRUE(reader.next());
    EXPECT_EQ(buf.position(), 26u) << "pieces of " << piece;
    EXPECT_EQ(reader.line_number(), 4u);
    ASSERT_TRUE(reader.next());
    EXPECT_EQ(buf.position(), text.size());
    EXPECT_FALSE(reader.next());
  }
}

// The end of input sets eofbit alone, as reading byte by byte always did; an
// istream::getline loop would add failbit.
TEST(TargetReaderTest, EndOfInputLeavesOnlyEofbit) {
  for (const std::string& text :
       std::vector<std::string>{"", "a.example\n", "a.example", std::string(5000, 'x')}) {
    std::istringstream in(text);
    TargetReader reader(in, nullptr);
    while (reader.next()) {
    }
    EXPECT_TRUE(in.eof()) << text.size();
    EXPECT_FALSE(in.fail()) << text.size();
  }
}

// A stream buffer that throws (std::filebuf reading a directory throws "Is a directory")
// throws out of next(): the read error is not mistaken for the end of the input.
TEST(TargetReaderTest, ReadErrorsPropagate) {
  for (size_t piece : {0, 1, 64}) {
    PiecewiseBuf buf("a.example\nb.exa", piece, /*throw_at_end=*/true);
    std::istream in(&buf);
    TargetReader reader(in, nullptr);
    auto first = reader.next();
    ASSERT_TRUE(first) << "pieces of " << piece;
    EXPECT_EQ(first->host, "a.example");
    EXPECT_THROW(reader.next(), std::runtime_error) << "pieces of " << piece;
  }
}

}  // namespace
}  // namespace tlsfleet::net
