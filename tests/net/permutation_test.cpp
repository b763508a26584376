#include "net/permutation.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace tlsfleet::net {
namespace {

std::vector<u128> walk(u128 n, uint64_t key) {
  Permutation p(n, key);
  std::vector<u128> out;
  for (u128 i = 0; i < n; ++i) out.push_back(p.at(i));
  return out;
}

TEST(Permutation, EverySizeUpTo300IsABijection) {
  for (unsigned n = 0; n <= 300; ++n) {
    std::vector<u128> images = walk(n, 12345 + n);
    std::set<u128> seen(images.begin(), images.end());
    ASSERT_EQ(seen.size(), n) << "n=" << n;
    if (n > 0) {
      EXPECT_EQ(*seen.rbegin(), n - 1) << "n=" << n;
    }
  }
}

TEST(Permutation, LargeSizeIsABijection) {
  const unsigned n = 65536 * 3 + 7;  // a /16 times three ports, and an odd remainder
  std::vector<u128> images = walk(n, 42);
  std::vector<bool> hit(n, false);
  for (u128 x : images) {
    ASSERT_LT(x, n);
    ASSERT_FALSE(hit[static_cast<size_t>(x)]) << "image hit twice";
    hit[static_cast<size_t>(x)] = true;
  }
}

TEST(Permutation, SameKeySameOrderOtherKeyOtherOrder) {
  EXPECT_EQ(walk(1000, 7), walk(1000, 7));
  EXPECT_NE(walk(1000, 7), walk(1000, 8));
  std::vector<u128> identity;
  for (unsigned i = 0; i < 1000; ++i) identity.push_back(i);
  EXPECT_NE(walk(1000, 7), identity);
}

// The reason it exists: the first 256 addresses of a /16 sweep spread over many /24s
// instead of filling one.
TEST(Permutation, ASlash16SweepDoesNotStayInOneSlash24) {
  Permutation p(65536, 2024);
  std::set<u128> subnets;
  for (unsigned i = 0; i < 256; ++i) subnets.insert(p.at(i) >> 8);
  EXPECT_GT(subnets.size(), 120u);  // about 162 expected at random
  // And no /24 gets more than a handful of the first 256 (a run in order would give 256).
  std::vector<int> per_subnet(256, 0);
  for (unsigned i = 0; i < 256; ++i) ++per_subnet[static_cast<size_t>(p.at(i) >> 8)];
  for (int count : per_subnet) EXPECT_LT(count, 10);
}

TEST(Permutation, HugeIpv6SizesStayInRange) {
  const u128 n = (static_cast<u128>(1) << 100) + 12345;
  Permutation p(n, 99);
  std::set<u128> seen;
  for (unsigned i = 0; i < 2000; ++i) {
    u128 x = p.at(i);
    EXPECT_LT(x, n);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 2000u);
  const u128 max = ~static_cast<u128>(0);
  Permutation whole(max, 1);
  EXPECT_LT(whole.at(max - 1), max);
}

TEST(Mix64, IsFixed) {
  // Shard membership depends on these values: they must never change.
  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(mix64(1), 0x910a2dec89025cc1ULL);
}

}  // namespace
}  // namespace tlsfleet::net
