#include "scanner/politeness.h"

#include <gtest/gtest.h>

namespace tlsfleet::scanner {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }

TEST(Politeness, PerHostOneLetsOneEndpointAtATimePerAddress) {
  Politeness p(PolitenessOptions{});
  EXPECT_TRUE(p.try_acquire(ip("10.0.0.1"), 0).granted);
  Politeness::Decision second = p.try_acquire(ip("10.0.0.1"), 0);
  EXPECT_FALSE(second.granted);
  EXPECT_EQ(second.not_before_ns, 0u) << "busy, not backing off";
  EXPECT_TRUE(p.try_acquire(ip("10.0.0.2"), 0).granted) << "another address is free";
  p.release(ip("10.0.0.1"), HostOutcome::kHealthy, 1);
  EXPECT_TRUE(p.try_acquire(ip("10.0.0.1"), 2).granted);
}

TEST(Politeness, PerHostNAndUnlimited) {
  PolitenessOptions o;
  o.per_host = 3;
  Politeness three(o);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(three.try_acquire(ip("::1"), 0).granted);
  EXPECT_FALSE(three.try_acquire(ip("::1"), 0).granted);
  o.per_host = 0;
  Politeness unlimited(o);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(unlimited.try_acquire(ip("::1"), 0).granted);
}

TEST(Politeness, PerSubnetCountsSlash24AndSlash64) {
  PolitenessOptions o;
  o.per_subnet = 2;
  Politeness p(o);
  EXPECT_TRUE(p.try_acquire(ip("10.0.0.1"), 0).granted);
  EXPECT_TRUE(p.try_acquire(ip("10.0.0.200"), 0).granted);
  EXPECT_FALSE(p.try_acquire(ip("10.0.0.3"), 0).granted) << "third in the /24";
  EXPECT_TRUE(p.try_acquire(ip("10.0.1.3"), 0).granted) << "the next /24 is another subnet";
  p.release(ip("10.0.0.200"), HostOutcome::kNeutral, 0);
  EXPECT_TRUE(p.try_acquire(ip("10.0.0.3"), 0).granted);

  EXPECT_TRUE(p.try_acquire(ip("2001:db8:0:1::1"), 0).granted);
  EXPECT_TRUE(p.try_acquire(ip("2001:db8:0:1:ffff::9"), 0).granted);
  EXPECT_FALSE(p.try_acquire(ip("2001:db8:0:1::77"), 0).granted) << "third in the /64";
  EXPECT_TRUE(p.try_acquire(ip("2001:db8:0:2::1"), 0).granted);
}

TEST(Politeness, TimeoutsBackOffExponentiallyUpToTheMaximum) {
  PolitenessOptions o;
  o.backoff_base_ns = 1 * kSecond;
  o.backoff_max_ns = 5 * kSecond;
  Politeness p(o);
  const net::IpAddress a = ip("192.0.2.1");
  uint64_t now = 100 * kSecond;
  std::vector<uint64_t> waits;
  for (int strike = 0; strike < 5; ++strike) {
    ASSERT_TRUE(p.try_acquire(a, now).granted);
    p.release(a, HostOutcome::kStrained, now);
    Politeness::Decision d = p.try_acquire(a, now);
    ASSERT_FALSE(d.granted);
    waits.push_back(d.not_before_ns - now);
    EXPECT_FALSE(p.try_acquire(a, d.not_before_ns - 1).granted) << "not a nanosecond early";
    now = d.not_before_ns;
  }
  EXPECT_EQ(waits, (std::vector<uint64_t>{1 * kSecond, 2 * kSecond, 4 * kSecond, 5 * kSecond,
                                          5 * kSecond}));
  // Another address is not held back by this one's strikes.
  EXPECT_TRUE(p.try_acquire(ip("192.0.2.2"), now).granted);
}

TEST(Politeness, AHealthyEndpointClearsTheStrikesARefusedOneDoesNot) {
  PolitenessOptions o;
  o.backoff_base_ns = kSecond;
  Politeness p(o);
  const net::IpAddress a = ip("192.0.2.9");
  ASSERT_TRUE(p.try_acquire(a, 0).granted);
  p.release(a, HostOutcome::kStrained, 0);  // strike 1: wait 1 s
  ASSERT_TRUE(p.try_acquire(a, kSecond).granted);
  p.release(a, HostOutcome::kNeutral, kSecond);  // refused: no new wait, the strike stays
  ASSERT_TRUE(p.try_acquire(a, kSecond).granted);
  p.release(a, HostOutcome::kStrained, 2 * kSecond);
  EXPECT_EQ(p.try_acquire(a, 2 * kSecond).not_before_ns, 4 * kSecond)
      << "strike 2: twice the base, so the refused endpoint did not clear strike 1";
  ASSERT_TRUE(p.try_acquire(a, 4 * kSecond).granted);
  p.release(a, HostOutcome::kHealthy, 5 * kSecond);
  ASSERT_TRUE(p.try_acquire(a, 5 * kSecond).granted) << "healthy: no backoff any more";
  p.release(a, HostOutcome::kStrained, 5 * kSecond);
  EXPECT_EQ(p.try_acquire(a, 5 * kSecond).not_before_ns, 6 * kSecond)
      << "strikes start over after a healthy endpoint";
}

TEST(Politeness, MemoryHoldsOnlyBusyAndRecentlyFailedAddresses) {
  PolitenessOptions o;
  o.backoff_base_ns = kSecond;
  o.backoff_max_ns = kSecond;
  o.forget_ns = 10 * kSecond;
  Politeness p(o);
  for (uint32_t i = 0; i < 1000; ++i) {
    auto a = net::IpAddress::from_value(net::IpAddress::Family::kV4, 0x0a000000 + i);
    ASSERT_TRUE(p.try_acquire(a, 0).granted);
    p.release(a, i % 2 ? HostOutcome::kStrained : HostOutcome::kHealthy, 0);
  }
  EXPECT_EQ(p.tracked(), 500u) << "healthy idle addresses are dropped at once";
  p.try_acquire(ip("10.9.9.9"), 30 * kSecond);  // a later call sweeps the old strikes out
  EXPECT_EQ(p.tracked(), 1u);
}

}  // namespace
}  // namespace tlsfleet::scanner
