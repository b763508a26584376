#include "net/target_reader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <sstream>
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
// Not inlined, so that GCC does not see free() meet a pointer from operator new and warn.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }

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

}  // namespace
}  // namespace tlsfleet::net
