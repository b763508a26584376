#include "net/rate_limiter.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace tlsfleet::net {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kStart = 5 * kSecond;  // an arbitrary monotonic clock reading

// Acquires as often as the limiter allows over [start, start + duration), stepping the
// clock to next_ready_ns() each time, as a loop timer would; returns the count.
uint64_t acquire_for(RateLimiter& limiter, uint64_t start, uint64_t duration) {
  uint64_t now = start;
  uint64_t count = 0;
  while (now < start + duration) {
    if (limiter.try_acquire(now)) {
      ++count;
    } else {
      uint64_t next = limiter.next_ready_ns(now);
      EXPECT_GT(next, now);
      now = next;
    }
  }
  return count;
}

TEST(RateLimiterTest, ZeroMeansUnlimited) {
  RateLimiter limiter(0);
  EXPECT_TRUE(limiter.unlimited());
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(limiter.try_acquire(kStart));
  EXPECT_EQ(limiter.next_ready_ns(kStart), kStart);
  EXPECT_TRUE(RateLimiter(-5).unlimited());
  EXPECT_FALSE(RateLimiter(1).unlimited());
}

TEST(RateLimiterTest, DefaultBurstIsATenthOfASecond) {
  EXPECT_DOUBLE_EQ(RateLimiter(1000).burst(), 100);
  EXPECT_DOUBLE_EQ(RateLimiter(5).burst(), 1);  // never below one
  EXPECT_DOUBLE_EQ(RateLimiter(5, 0.2).burst(), 1);
  EXPECT_DOUBLE_EQ(RateLimiter(5, 3).burst(), 3);
}

TEST(RateLimiterTest, BurstThenWait) {
  RateLimiter limiter(10, 3);  // one token every 100 ms
  EXPECT_TRUE(limiter.try_acquire(kStart));
  EXPECT_TRUE(limiter.try_acquire(kStart));
  EXPECT_TRUE(limiter.try_acquire(kStart));
  EXPECT_FALSE(limiter.try_acquire(kStart));
  EXPECT_EQ(limiter.next_ready_ns(kStart), kStart + 100 * kMs);
  EXPECT_FALSE(limiter.try_acquire(kStart + 100 * kMs - 1));
  EXPECT_TRUE(limiter.try_acquire(kStart + 100 * kMs));
  EXPECT_FALSE(limiter.try_acquire(kStart + 100 * kMs));
  EXPECT_EQ(limiter.next_ready_ns(kStart + 150 * kMs), kStart + 200 * kMs);
}

TEST(RateLimiterTest, FailedAcquireTakesNothing) {
  RateLimiter limiter(1, 1);
  EXPECT_TRUE(limiter.try_acquire(kStart));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.try_acquire(kStart + i * kMs));
  EXPECT_TRUE(limiter.try_acquire(kStart + kSecond));
}

TEST(RateLimiterTest, IdleTimeEarnsAtMostOneBurst) {
  RateLimiter limiter(100, 5);
  uint64_t later = kStart + 3600 * kSecond;
  int granted = 0;
  while (limiter.try_acquire(later)) ++granted;
  EXPECT_EQ(granted, 5);
  EXPECT_EQ(limiter.next_ready_ns(later), later + 10 * kMs);
}

TEST(RateLimiterTest, SustainedRateMatchesOverTime) {
  RateLimiter limiter(1000);  // burst 100
  uint64_t count = acquire_for(limiter, kStart, 10 * kSecond);
  // 10 s at 1000/s plus the initial burst, give or take one.
  EXPECT_GE(count, 10'099u);
  EXPECT_LE(count, 10'101u);
}

TEST(RateLimiterTest, FractionalIntervalsDoNotDrift) {
  RateLimiter limiter(3, 1);  // 333333333.33 ns apart
  // Grants fall at k / 3 s for k = 0..900; the window ends between two of them.
  uint64_t count = acquire_for(limiter, kStart, 300 * kSecond + 100 * kMs);
  EXPECT_EQ(count, 901u);
  RateLimiter fast(7'000'000, 1);  // 142.857 ns apart: truncation alone would run 0.6% fast
  uint64_t fast_count = acquire_for(fast, kStart, kSecond);
  EXPECT_GE(fast_count, 6'999'999u);
  EXPECT_LE(fast_count, 7'000'001u);
}

TEST(RateLimiterTest, SlowRates) {
  RateLimiter limiter(0.5);  // one every two seconds, burst 1
  EXPECT_TRUE(limiter.try_acquire(kStart));
  EXPECT_FALSE(limiter.try_acquire(kStart + kSecond));
  EXPECT_EQ(limiter.next_ready_ns(kStart), kStart + 2 * kSecond);
  EXPECT_TRUE(limiter.try_acquire(kStart + 2 * kSecond));
}

TEST(RateLimiterTest, ClockGoingBackwardsGrantsNothingExtra) {
  RateLimiter limiter(10, 1);
  EXPECT_TRUE(limiter.try_acquire(kStart));
  EXPECT_FALSE(limiter.try_acquire(kStart - kSecond));
  EXPECT_EQ(limiter.next_ready_ns(kStart - kSecond), kStart + 100 * kMs);
  EXPECT_TRUE(limiter.try_acquire(kStart + 100 * kMs));
}

TEST(RateLimiterTest, StartsFullAtTimeZero) {
  RateLimiter limiter(10, 2);
  EXPECT_TRUE(limiter.try_acquire(0));
  EXPECT_TRUE(limiter.try_acquire(0));
  EXPECT_FALSE(limiter.try_acquire(0));
  EXPECT_EQ(limiter.next_ready_ns(0), 100 * kMs);
}

}  // namespace
}  // namespace tlsfleet::net
