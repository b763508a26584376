#include "net/address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace tlsfleet::net {
namespace {

std::string canonical(const char* text) {
  auto a = IpAddress::parse(text);
  return a ? a->to_string() : "<invalid>";
}

TEST(IpAddressTest, ParsesIpv4) {
  auto a = IpAddress::parse("10.1.2.3");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->bits(), 32);
  EXPECT_EQ(a->value(), static_cast<u128>(0x0a010203u));
  EXPECT_EQ(a->to_string(), "10.1.2.3");
}

TEST(IpAddressTest, Ipv4Edges) {
  EXPECT_EQ(canonical("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(canonical("255.255.255.255"), "255.255.255.255");
  EXPECT_EQ(IpAddress::parse("255.255.255.255")->value(), static_cast<u128>(0xffffffffu));
}

TEST(IpAddressTest, RejectsLeadingZerosInIpv4) {
  EXPECT_FALSE(IpAddress::parse("010.0.0.1"));
  EXPECT_FALSE(IpAddress::parse("10.0.0.01"));
  EXPECT_FALSE(IpAddress::parse("10.00.0.1"));
  // A lone zero is not a leading zero.
  EXPECT_TRUE(IpAddress::parse("10.0.0.0"));
}

TEST(IpAddressTest, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.-1", "a.b.c.d", " 1.2.3.4",
                          "1.2.3.4 ", "1.2.3.4:80", "[::1]", "::1%eth0", ":::", "1:2:3:4:5:6:7:8:9",
                          "2001:db8::g", "example.com", "0x7f.0.0.1", "127.1"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddressTest, RejectsOverlongText) {
  std::string text(100, '1');
  EXPECT_FALSE(IpAddress::parse(text));
}

TEST(IpAddressTest, ParsesIpv6) {
  auto a = IpAddress::parse("2001:db8::5");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->bits(), 128);
  u128 expected = (static_cast<u128>(0x20010db800000000ull) << 64) | 5;
  EXPECT_EQ(a->value(), expected);
}

TEST(IpAddressTest, FormatsIpv6Canonically) {
  // RFC 5952: lower case, leading zeros dropped, longest zero run compressed (first on
  // a tie), a single zero group not compressed.
  EXPECT_EQ(canonical("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(canonical("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  EXPECT_EQ(canonical("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(canonical("0:0:0:0:0:0:0:0"), "::");
  EXPECT_EQ(canonical("::1"), "::1");
  EXPECT_EQ(canonical("fe80::"), "fe80::");
  EXPECT_EQ(canonical("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(IpAddressTest, V4MappedStaysIpv6) {
  auto a = IpAddress::parse("::ffff:10.0.0.1");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->to_string(), "::ffff:10.0.0.1");
  EXPECT_NE(*a, *IpAddress::parse("10.0.0.1"));
}

TEST(IpAddressTest, FromValueMasksIpv4) {
  auto a = IpAddress::from_value(IpAddress::Family::kV4, (static_cast<u128>(1) << 40) | 0x7f000001);
  EXPECT_EQ(a.to_string(), "127.0.0.1");
  auto b = IpAddress::from_value(IpAddress::Family::kV6, 1);
  EXPECT_EQ(b.to_string(), "::1");
}

TEST(IpAddressTest, DefaultIsIpv4Zero) {
  IpAddress a;
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.to_string(), "0.0.0.0");
}

TEST(IpAddressTest, OrdersByFamilyThenValue) {
  auto v4_low = *IpAddress::parse("1.0.0.0");
  auto v4_high = *IpAddress::parse("2.0.0.0");
  auto v6 = *IpAddress::parse("::1");
  EXPECT_LT(v4_low, v4_high);
  EXPECT_LT(v4_high, v6);
  EXPECT_EQ(v4_low, *IpAddress::parse("1.0.0.0"));
}

TEST(IpAddressTest, Ipv4SockaddrRoundTrip) {
  auto a = *IpAddress::parse("192.0.2.7");
  sockaddr_storage storage;
  socklen_t len = a.to_sockaddr(8443, &storage);
  ASSERT_EQ(len, sizeof(sockaddr_in));
  const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
  EXPECT_EQ(in->sin_family, AF_INET);
  EXPECT_EQ(ntohs(in->sin_port), 8443);
  char text[INET_ADDRSTRLEN];
  ASSERT_NE(inet_ntop(AF_INET, &in->sin_addr, text, sizeof text), nullptr);
  EXPECT_STREQ(text, "192.0.2.7");
  EXPECT_EQ(IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage)), a);
}

TEST(IpAddressTest, Ipv6SockaddrRoundTrip) {
  auto a = *IpAddress::parse("2001:db8:1:2:3:4:5:6");
  sockaddr_storage storage;
  socklen_t len = a.to_sockaddr(443, &storage);
  ASSERT_EQ(len, sizeof(sockaddr_in6));
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
  EXPECT_EQ(in6->sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(in6->sin6_port), 443);
  EXPECT_EQ(in6->sin6_addr.s6_addr[0], 0x20);
  EXPECT_EQ(in6->sin6_addr.s6_addr[15], 0x06);
  char text[INET6_ADDRSTRLEN];
  ASSERT_NE(inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text), nullptr);
  EXPECT_STREQ(text, "2001:db8:1:2:3:4:5:6");
  IpAddress back = IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage));
  EXPECT_EQ(back, a);
  EXPECT_FALSE(back.is_v4());
}

}  // namespace
}  // namespace tlsfleet::net
