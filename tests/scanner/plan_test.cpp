#include "scanner/plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace tlsfleet::scanner {
namespace {

std::vector<WorkItem> drain(Plan& plan, size_t batch = 7) {
  std::vector<WorkItem> all;
  while (plan.next_batch(all, batch)) {
  }
  return all;
}

std::unique_ptr<Plan> make(PlanInput input) {
  std::string error;
  auto plan = Plan::create(std::move(input), &error);
  EXPECT_TRUE(plan) << error;
  return plan;
}

TEST(Plan, RangeTimesPortsAddressMajor) {
  PlanInput in;
  in.arguments = {"127.0.0.1-127.0.0.3"};
  in.ports = {443, 8443};
  auto plan = make(in);
  auto items = drain(*plan);
  ASSERT_EQ(items.size(), 6u);
  const auto& first = std::get<EndpointSpec>(items[0]);
  EXPECT_EQ(first.ip.to_string(), "127.0.0.1");
  EXPECT_EQ(first.port, 443);
  EXPECT_EQ(std::get<EndpointSpec>(items[1]).port, 8443);
  EXPECT_EQ(std::get<EndpointSpec>(items[5]).ip.to_string(), "127.0.0.3");
  EXPECT_EQ(first.target, "127.0.0.1-127.0.0.3");
  EXPECT_FALSE(first.host);
  EXPECT_TRUE(plan->count().final);
  EXPECT_EQ(static_cast<uint64_t>(plan->count().endpoints), 6u);
}

TEST(Plan, ExplicitPortOverridesPortsAndSniGoesToAddresses) {
  PlanInput in;
  in.arguments = {"[::1]:8443", "127.0.0.1"};
  in.ports = {443};
  in.sni = "shop.test";
  auto items = drain(*make(in));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(std::get<EndpointSpec>(items[0]).port, 8443);
  EXPECT_EQ(std::get<EndpointSpec>(items[0]).ip.to_string(), "::1");
  EXPECT_EQ(std::get<EndpointSpec>(items[1]).sni, "shop.test");
}

TEST(Plan, NamesBecomeOneLookupWithAllPorts) {
  PlanInput in;
  in.arguments = {"Valid.Test", "multi.test:9443"};
  in.ports = {443, 8443};
  auto items = drain(*make(in));
  ASSERT_EQ(items.size(), 2u);
  const auto& a = std::get<LookupSpec>(items[0]);
  EXPECT_EQ(a.name, "valid.test");
  EXPECT_EQ(a.sni, "valid.test");
  EXPECT_EQ(a.ports, (std::vector<uint16_t>{443, 8443}));
  EXPECT_EQ(std::get<LookupSpec>(items[1]).ports, (std::vector<uint16_t>{9443}));
}

TEST(Plan, NameAtAddressConnectsToTheAddressWithTheName) {
  PlanInput in;
  in.arguments = {"shop.test@127.0.0.5:8443"};
  in.ports = {443};
  auto items = drain(*make(in));
  ASSERT_EQ(items.size(), 1u);
  const auto& e = std::get<EndpointSpec>(items[0]);
  EXPECT_EQ(e.ip.to_string(), "127.0.0.5");
  EXPECT_EQ(e.port, 8443);
  EXPECT_EQ(e.host, "shop.test");
  EXPECT_EQ(e.sni, "shop.test");
}

TEST(Plan, ExclusionsAreNeverPlanned) {
  net::ExclusionSet excluded;
  excluded.add(*net::AddressRange::parse_cidr("10.0.0.0/30"));
  PlanInput in;
  in.arguments = {"10.0.0.0/29"};
  in.ports = {443};
  in.exclusions = &excluded;
  auto items = drain(*make(in));
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(std::get<EndpointSpec>(items[0]).ip.to_string(), "10.0.0.4");
}

TEST(Plan, HugeRangeIsWalkedLazily) {
  PlanInput in;
  in.arguments = {"10.0.0.0/8"};
  in.ports = {443};
  auto plan = make(in);
  std::vector<WorkItem> some;
  ASSERT_TRUE(plan->next_batch(some, 3));
  ASSERT_EQ(some.size(), 3u);
  EXPECT_EQ(std::get<EndpointSpec>(some[2]).ip.to_string(), "10.0.0.2");
  EXPECT_EQ(static_cast<uint64_t>(plan->count().endpoints), 16777216u);
}

TEST(Plan, BadArgumentsAreSkippedAndCounted) {
  PlanInput in;
  in.arguments = {"not a target", "127.0.0.1", "10.0.0.0/33"};
  in.ports = {443};
  auto plan = make(in);
  auto items = drain(*plan);
  EXPECT_EQ(items.size(), 1u);
  EXPECT_EQ(plan->bad_targets(), 2u);
  EXPECT_EQ(plan->valid_targets(), 1u);
}

TEST(Plan, FilesFollowArgumentsAndBadLinesDoNotStopTheRest) {
  char path[] = "/tmp/tlsfleet_plan_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << "# fleet\n127.0.0.2\r\nbad..name\n\n127.0.0.3:8443\n";
  }
  PlanInput in;
  in.arguments = {"127.0.0.1"};
  in.files = {path};
  in.ports = {443};
  auto plan = make(in);
  auto items = drain(*plan);
  std::remove(path);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(std::get<EndpointSpec>(items[1]).ip.to_string(), "127.0.0.2");
  EXPECT_EQ(std::get<EndpointSpec>(items[2]).port, 8443);
  EXPECT_EQ(plan->bad_targets(), 1u);
}

TEST(Plan, MissingInputFileIsAnError) {
  PlanInput in;
  in.files = {"/nonexistent/targets.txt"};
  std::string error;
  EXPECT_FALSE(Plan::create(in, &error));
  EXPECT_NE(error.find("/nonexistent/targets.txt"), std::string::npos);
}

}  // namespace
}  // namespace tlsfleet::scanner
