// Ring: a FIFO of reused slots (the plan's window and read-ahead queue).
#include "scanner/ring.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace tlsfleet::scanner {
namespace {

std::vector<int> drain(Ring<int>& ring) {
  std::vector<int> out;
  while (!ring.empty()) {
    out.push_back(ring.front());
    ring.pop_front();
  }
  return out;
}

TEST(RingTest, FirstInFirstOutAcrossWrapsAndGrowth) {
  Ring<int> ring;
  EXPECT_TRUE(ring.empty());
  int next_in = 0;
  int next_out = 0;
  // Uneven pushes and pops: the head wraps around the slots, and they grow while the
  // head is not at slot 0.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < round % 7 + 1; ++i) ring.push_back(next_in++);
    for (int i = 0; i < round % 5 + 1 && !ring.empty(); ++i) {
      ASSERT_EQ(ring.front(), next_out++);
      ring.pop_front();
    }
    ASSERT_EQ(ring.size(), static_cast<size_t>(next_in - next_out));
  }
  std::vector<int> rest = drain(ring);
  for (int v : rest) EXPECT_EQ(v, next_out++);
  EXPECT_EQ(next_out, next_in);
}

TEST(RingTest, RotateMovesTheFrontToTheBack) {
  for (int n : {1, 2, 3, 4, 5, 8}) {  // 4 and 8 fill every slot; the others do not
    SCOPED_TRACE(n);
    Ring<int> ring;
    for (int i = 0; i < n; ++i) ring.push_back(int{i});
    ring.rotate();
    ring.rotate();
    std::vector<int> expected;
    for (int i = 0; i < n; ++i) expected.push_back((i + 2) % n);
    EXPECT_EQ(drain(ring), expected);
  }
}

TEST(RingTest, HoldsMoveOnlyValues) {
  Ring<std::unique_ptr<std::string>> ring;
  for (int i = 0; i < 10; ++i) ring.push_back(std::make_unique<std::string>(std::to_string(i)));
  ring.rotate();
  ASSERT_NE(ring.front(), nullptr);
  EXPECT_EQ(*ring.front(), "1");
  std::unique_ptr<std::string> taken = std::move(ring.front());
  ring.pop_front();
  EXPECT_EQ(*taken, "1");
  EXPECT_EQ(ring.size(), 9u);
  EXPECT_EQ(*ring.front(), "2");
}

}  // namespace
}  // namespace tlsfleet::scanner
