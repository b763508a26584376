#include "scanner/cli.h"

#include <gtest/gtest.h>

namespace tlsfleet::scanner {
namespace {

TEST(PortList, SinglesAndRangesInOrderEachOnce) {
  std::string error;
  auto ports = parse_port_list("443,8443,9000-9003,443", &error);
  ASSERT_TRUE(ports) << error;
  EXPECT_EQ(*ports, (std::vector<uint16_t>{443, 8443, 9000, 9001, 9002, 9003}));
}

TEST(PortList, FullRange) {
  std::string error;
  auto ports = parse_port_list("1-65535", &error);
  ASSERT_TRUE(ports) << error;
  EXPECT_EQ(ports->size(), 65535u);
  EXPECT_EQ(ports->back(), 65535);
}

TEST(PortList, BadListsAreRejectedWithTheItemNamed) {
  for (const char* bad : {"", "0", "65536", "443,", ",443", "a", "10-5", "1-2-3", "443;8443", "-5"}) {
    std::string error;
    EXPECT_FALSE(parse_port_list(bad, &error)) << bad;
    EXPECT_NE(error.find("invalid port list"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace tlsfleet::scanner
