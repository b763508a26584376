#include "net/address_range.h"

#include <gtest/gtest.h>

#include <string>

namespace tlsfleet::net {
namespace {

constexpr u128 kU128Max = ~static_cast<u128>(0);

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress());
}

AddressRange cidr(const char* text) {
  std::string error;
  auto r = AddressRange::parse_cidr(text, &error);
  EXPECT_TRUE(r) << text << ": " << error;
  return r.value_or(AddressRange{});
}

std::string cidr_error(const char* text) {
  std::string error;
  auto r = AddressRange::parse_cidr(text, &error);
  EXPECT_FALSE(r) << text;
  return error;
}

std::string dash_error(const char* text) {
  std::string error;
  auto r = AddressRange::parse_dash(text, &error);
  EXPECT_FALSE(r) << text;
  return error;
}

TEST(AddressRangeTest, Ipv4SlashEightIsLazy) {
  AddressRange r = cidr("10.0.0.0/8");
  EXPECT_EQ(r.size(), static_cast<u128>(16777216));
  EXPECT_EQ(r.first.to_string(), "10.0.0.0");
  EXPECT_EQ(r.last.to_string(), "10.255.255.255");
  EXPECT_EQ(r.at(0).to_string(), "10.0.0.0");
  EXPECT_EQ(r.at(257).to_string(), "10.0.1.1");
  EXPECT_EQ(r.at(16777215).to_string(), "10.255.255.255");
  // The range is two addresses by value, whatever it spans.
  EXPECT_EQ(sizeof(AddressRange), 2 * sizeof(IpAddress));
}

TEST(AddressRangeTest, Ipv4SlashZeroAndSlash32) {
  AddressRange all = cidr("0.0.0.0/0");
  EXPECT_EQ(all.size(), static_cast<u128>(1) << 32);
  EXPECT_EQ(all.last.to_string(), "255.255.255.255");
  EXPECT_TRUE(all.last.is_v4());

  AddressRange one = cidr("192.0.2.9/32");
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.first, one.last);
  EXPECT_EQ(one.first.to_string(), "192.0.2.9");
}

TEST(AddressRangeTest, Ipv4HostBitsAreMasked) {
  AddressRange r = cidr("10.1.2.3/16");
  EXPECT_EQ(r.first.to_string(), "10.1.0.0");
  EXPECT_EQ(r.last.to_string(), "10.1.255.255");
  AddressRange any = cidr("203.0.113.77/0");
  EXPECT_EQ(any.first.to_string(), "0.0.0.0");
}

TEST(AddressRangeTest, Ipv6Blocks) {
  AddressRange r = cidr("2001:db8::/120");
  EXPECT_EQ(r.size(), 256u);
  EXPECT_EQ(r.first.to_string(), "2001:db8::");
  EXPECT_EQ(r.last.to_string(), "2001:db8::ff");
  EXPECT_EQ(r.at(16).to_string(), "2001:db8::10");

  AddressRange masked = cidr("2001:db8:aaaa:bbbb::1234/64");
  EXPECT_EQ(masked.first.to_string(), "2001:db8:aaaa:bbbb::");
  EXPECT_EQ(masked.last.to_string(), "2001:db8:aaaa:bbbb:ffff:ffff:ffff:ffff");
  EXPECT_EQ(masked.size(), static_cast<u128>(1) << 64);

  AddressRange one = cidr("::1/128");
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.first.to_string(), "::1");
}

TEST(AddressRangeTest, Ipv6SlashZeroSaturates) {
  AddressRange all = cidr("::/0");
  EXPECT_EQ(all.size(), kU128Max);
  EXPECT_EQ(all.last.to_string(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(all.at(kU128Max - 1).to_string(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
  // /1 is exactly half and still fits.
  EXPECT_EQ(cidr("::/1").size(), static_cast<u128>(1) << 127);
}

TEST(AddressRangeTest, BadPrefixes) {
  EXPECT_EQ(cidr_error("10.0.0.0/33"), "prefix /33 out of range for IPv4");
  EXPECT_EQ(cidr_error("2001:db8::/129"), "prefix /129 out of range for IPv6");
  EXPECT_EQ(cidr_error("10.0.0.0/"), "invalid CIDR prefix ''");
  EXPECT_EQ(cidr_error("10.0.0.0/-1"), "invalid CIDR prefix '-1'");
  EXPECT_EQ(cidr_error("10.0.0.0/8x"), "invalid CIDR prefix '8x'");
  EXPECT_EQ(cidr_error("10.0.0.0/8/8"), "invalid CIDR prefix '8/8'");
  EXPECT_EQ(cidr_error("10.0.0.0/99999999999999999999"),
            "invalid CIDR prefix '99999999999999999999'");
}

TEST(AddressRangeTest, BadCidrAddresses) {
  EXPECT_EQ(cidr_error("10.0.0/8"), "invalid CIDR address '10.0.0'");
  EXPECT_EQ(cidr_error("/8"), "invalid CIDR address ''");
  EXPECT_EQ(cidr_error("example.com/24"), "invalid CIDR address 'example.com'");
  EXPECT_EQ(cidr_error("10.0.0.0"), "missing '/' in CIDR");
  // Without an error string the failure is still reported.
  EXPECT_FALSE(AddressRange::parse_cidr("10.0.0.0/40"));
}

TEST(AddressRangeTest, DashRanges) {
  std::string error;
  auto r = AddressRange::parse_dash("10.0.0.1-10.0.0.99", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->size(), 99u);
  EXPECT_EQ(r->at(98).to_string(), "10.0.0.99");

  auto one = AddressRange::parse_dash("10.0.0.5-10.0.0.5");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);

  auto wide = AddressRange::parse_dash("10.0.255.250-10.1.0.5");
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->size(), 12u);
  EXPECT_EQ(wide->at(6).to_string(), "10.1.0.0");

  auto v6 = AddressRange::parse_dash("2001:db8::1-2001:db8::1:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->size(), 0x10000u);
}

TEST(AddressRangeTest, BadDashRanges) {
  EXPECT_EQ(dash_error("10.0.0.99-10.0.0.1"), "range start 10.0.0.99 is after end 10.0.0.1");
  EXPECT_EQ(dash_error("10.0.0.1-2001:db8::1"), "range mixes IPv4 and IPv6");
  EXPECT_EQ(dash_error("2001:db8::1-10.0.0.1"), "range mixes IPv4 and IPv6");
  EXPECT_EQ(dash_error("10.0.0.1-"), "invalid range end ''");
  EXPECT_EQ(dash_error("-10.0.0.1"), "invalid range start ''");
  EXPECT_EQ(dash_error("10.0.0.1-99"), "invalid range end '99'");
  EXPECT_EQ(dash_error("10.0.0.1-10.0.0.2-10.0.0.3"), "invalid range end '10.0.0.2-10.0.0.3'");
  EXPECT_EQ(dash_error("10.0.0.1"), "missing '-' in range");
}

TEST(AddressRangeTest, LongTextIsShortenedInErrors) {
  std::string text = "10.0.0.1-" + std::string(1000, 'x');
  std::string error;
  EXPECT_FALSE(AddressRange::parse_dash(text, &error));
  EXPECT_LT(error.size(), 100u);
  EXPECT_NE(error.find("...'"), std::string::npos);
}

TEST(AddressRangeTest, Contains) {
  AddressRange r = cidr("192.168.4.0/22");
  EXPECT_TRUE(r.contains(ip("192.168.4.0")));
  EXPECT_TRUE(r.contains(ip("192.168.7.255")));
  EXPECT_TRUE(r.contains(ip("192.168.5.17")));
  EXPECT_FALSE(r.contains(ip("192.168.3.255")));
  EXPECT_FALSE(r.contains(ip("192.168.8.0")));
  // Same value, other family: ::c0a8:500 is not 192.168.5.0.
  EXPECT_FALSE(
      r.contains(IpAddress::from_value(IpAddress::Family::kV6, ip("192.168.5.0").value())));

  AddressRange v6 = cidr("2001:db8::/126");
  EXPECT_TRUE(v6.contains(ip("2001:db8::3")));
  EXPECT_FALSE(v6.contains(ip("2001:db8::4")));
  EXPECT_TRUE(cidr("::/0").contains(ip("::")));
  EXPECT_FALSE(cidr("::/0").contains(ip("0.0.0.0")));
}

TEST(AddressRangeTest, SingleHoldsOneAddress) {
  AddressRange r = AddressRange::single(ip("10.9.8.7"));
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.at(0), ip("10.9.8.7"));
  EXPECT_TRUE(r.contains(ip("10.9.8.7")));
  EXPECT_FALSE(r.contains(ip("10.9.8.8")));
}

}  // namespace
}  // namespace tlsfleet::net
