#include "net/exclusion_set.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace tlsfleet::net {
namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress());
}

AddressRange range(const char* first, const char* last) { return {ip(first), ip(last)}; }

TEST(ExclusionSetTest, EmptySetContainsNothing) {
  ExclusionSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.contains(ip("0.0.0.0")));
  EXPECT_FALSE(set.contains(ip("::")));
  EXPECT_EQ(set.range_count(), 0u);
}

TEST(ExclusionSetTest, SingleRangeBoundaries) {
  ExclusionSet set;
  set.add(range("10.0.0.10", "10.0.0.20"));
  EXPECT_FALSE(set.empty());
  EXPECT_FALSE(set.contains(ip("10.0.0.9")));
  EXPECT_TRUE(set.contains(ip("10.0.0.10")));
  EXPECT_TRUE(set.contains(ip("10.0.0.15")));
  EXPECT_TRUE(set.contains(ip("10.0.0.20")));
  EXPECT_FALSE(set.contains(ip("10.0.0.21")));
}

TEST(ExclusionSetTest, FamiliesAreSeparate) {
  ExclusionSet set;
  set.add(range("0.0.0.0", "255.255.255.255"));
  EXPECT_TRUE(set.contains(ip("192.0.2.1")));
  EXPECT_FALSE(set.contains(ip("::1")));
  EXPECT_FALSE(set.contains(ip("::ffff:192.0.2.1")));
  set.add(AddressRange::single(ip("::1")));
  EXPECT_TRUE(set.contains(ip("::1")));
  EXPECT_FALSE(set.contains(ip("::2")));
}

TEST(ExclusionSetTest, OverlappingAndAdjacentRangesMerge) {
  ExclusionSet set;
  set.add(range("10.0.0.50", "10.0.0.60"));
  set.add(range("10.0.0.1", "10.0.0.5"));
  set.add(range("10.0.0.100", "10.0.0.110"));
  EXPECT_EQ(set.range_count(), 3u);
  set.add(range("10.0.0.6", "10.0.0.9"));  // touches the first
  EXPECT_EQ(set.range_count(), 3u);
  set.add(range("10.0.0.55", "10.0.0.105"));  // bridges the last two
  EXPECT_EQ(set.range_count(), 2u);
  EXPECT_TRUE(set.contains(ip("10.0.0.7")));
  EXPECT_TRUE(set.contains(ip("10.0.0.80")));
  EXPECT_FALSE(set.contains(ip("10.0.0.10")));
  EXPECT_FALSE(set.contains(ip("10.0.0.49")));
  EXPECT_TRUE(set.contains(ip("10.0.0.110")));
  set.add(range("10.0.0.0", "10.0.0.255"));  // swallows everything
  EXPECT_EQ(set.range_count(), 1u);
  EXPECT_TRUE(set.contains(ip("10.0.0.10")));
}

TEST(ExclusionSetTest, ContainedRangeAddsNothing) {
  ExclusionSet set;
  set.add(range("10.0.0.0", "10.0.255.255"));
  set.add(range("10.0.3.0", "10.0.3.9"));
  EXPECT_EQ(set.range_count(), 1u);
  EXPECT_TRUE(set.contains(ip("10.0.200.1")));
}

TEST(ExclusionSetTest, RangesAtTheTopOfTheSpaceDoNotOverflow) {
  ExclusionSet set;
  set.add(range("255.255.255.0", "255.255.255.255"));
  set.add(range("255.255.254.0", "255.255.254.255"));
  EXPECT_EQ(set.range_count(), 1u);
  EXPECT_TRUE(set.contains(ip("255.255.255.255")));
  set.add(*AddressRange::parse_cidr("::/0"));
  set.add(range("ffff::", "ffff::1"));
  EXPECT_EQ(set.range_count(), 2u);
  EXPECT_TRUE(set.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_TRUE(set.contains(ip("::")));
}

TEST(ExclusionSetTest, ManyRangesStillFindTheRightOne) {
  ExclusionSet set;
  // Every other /24 in 10.0.0.0/16, added out of order.
  for (int i = 254; i >= 0; i -= 2) {
    std::string text = "10.0." + std::to_string(i) + ".0/24";
    set.add(*AddressRange::parse_cidr(text));
  }
  EXPECT_EQ(set.range_count(), 128u);
  for (int i = 0; i < 256; ++i) {
    std::string text = "10.0." + std::to_string(i) + ".77";
    EXPECT_EQ(set.contains(ip(text.c_str())), i % 2 == 0) << text;
  }
}

TEST(ExclusionSetTest, LoadReadsAddressesCidrsAndRanges) {
  std::istringstream in(
      "# never touch these\n"
      "192.0.2.1\n"
      "\n"
      "198.51.100.0/24   # lab\r\n"
      "203.0.113.10-203.0.113.20\n"
      "2001:db8::/64\n"
      "[2001:db8:1::7]\n");
  std::vector<size_t> bad;
  ExclusionSet set;
  size_t added = set.load(in, [&](size_t line, const std::string&) { bad.push_back(line); });
  EXPECT_EQ(added, 5u);
  EXPECT_TRUE(bad.empty());
  EXPECT_TRUE(set.contains(ip("192.0.2.1")));
  EXPECT_FALSE(set.contains(ip("192.0.2.2")));
  EXPECT_TRUE(set.contains(ip("198.51.100.255")));
  EXPECT_TRUE(set.contains(ip("203.0.113.15")));
  EXPECT_FALSE(set.contains(ip("203.0.113.21")));
  EXPECT_TRUE(set.contains(ip("2001:db8::ffff")));
  EXPECT_TRUE(set.contains(ip("2001:db8:1::7")));
  EXPECT_FALSE(set.contains(ip("2001:db8:1::8")));
}

TEST(ExclusionSetTest, LoadRejectsNamesPortsAndGarbage) {
  std::istringstream in(
      "10.0.0.0/8\n"
      "example.com\n"
      "shop.example.com@10.0.0.5\n"
      "10.1.2.3:443\n"
      "10.0.0.0/40\n"
      "172.16.0.1\n");
  std::vector<std::pair<size_t, std::string>> bad;
  ExclusionSet set;
  size_t added =
      set.load(in, [&](size_t line, const std::string& reason) { bad.emplace_back(line, reason); });
  EXPECT_EQ(added, 2u);
  ASSERT_EQ(bad.size(), 4u);
  EXPECT_EQ(bad[0].first, 2u);
  EXPECT_NE(bad[0].second.find("not names"), std::string::npos);
  EXPECT_EQ(bad[1].first, 3u);
  EXPECT_EQ(bad[2].first, 4u);
  EXPECT_NE(bad[2].second.find("port"), std::string::npos);
  EXPECT_EQ(bad[3].first, 5u);
  EXPECT_EQ(bad[3].second, "prefix /40 out of range for IPv4");
  EXPECT_TRUE(set.contains(ip("10.200.0.1")));
  EXPECT_TRUE(set.contains(ip("172.16.0.1")));
  EXPECT_FALSE(set.contains(ip("172.16.0.2")));
  EXPECT_EQ(set.range_count(), 2u);  // the rejected lines added nothing
}

TEST(ExclusionSetTest, LoadMergesWithEarlierAdds) {
  ExclusionSet set;
  set.add(range("10.0.0.0", "10.0.0.9"));
  std::istringstream in("10.0.0.10-10.0.0.19\n10.0.0.5\n");
  EXPECT_EQ(set.load(in, nullptr), 2u);
  EXPECT_EQ(set.range_count(), 1u);
  EXPECT_TRUE(set.contains(ip("10.0.0.19")));
  EXPECT_FALSE(set.contains(ip("10.0.0.20")));
  // And adds after a load keep the set merged.
  set.add(range("10.0.0.20", "10.0.0.29"));
  EXPECT_EQ(set.range_count(), 1u);
}

}  // namespace
}  // namespace tlsfleet::net
