#include "scanner/plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

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
  EXPECT_EQ(a.name, "valid.test");  // also the SNI of its endpoints
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

// -i DIR: std::ifstream opens a directory and throws at the first read, which ended the
// program (an uncaught std::ios_base::failure) before Plan::create turned it away.
TEST(Plan, DirectoryAsInputFileIsAnError) {
  PlanInput in;
  in.files = {"/tmp"};
  std::string error;
  EXPECT_FALSE(Plan::create(in, &error));
  EXPECT_NE(error.find("'/tmp'"), std::string::npos) << error;
  EXPECT_NE(error.find("directory"), std::string::npos) << error;
}

std::vector<PlannedItem> drain_planned(Plan& plan, size_t batch = 7) {
  std::vector<PlannedItem> all;
  while (plan.next_batch(all, batch)) {
  }
  return all;
}

std::string endpoint_key(const WorkItem& item) {
  if (const auto* e = std::get_if<EndpointSpec>(&item)) {
    return e->ip.to_string() + ":" + std::to_string(e->port);
  }
  return "name " + std::get<LookupSpec>(item).name;
}

std::vector<std::string> keys_of(const std::vector<PlannedItem>& items) {
  std::vector<std::string> keys;
  for (const PlannedItem& p : items) keys.push_back(endpoint_key(p.item));
  return keys;
}

PlanInput shuffled(std::vector<std::string> arguments, uint64_t seed) {
  PlanInput in;
  in.arguments = std::move(arguments);
  in.ports = {443, 8443};
  in.shuffle = true;
  in.seed = seed;
  return in;
}

TEST(PlanShuffle, SameSetDifferentOrderRepeatableBySeed) {
  std::vector<std::string> args = {"10.1.0.0/24", "10.2.0.0/25", "a.test", "10.3.0.9"};
  PlanInput ordered = shuffled(args, 0);
  ordered.shuffle = false;
  std::vector<std::string> in_order = keys_of(drain_planned(*make(ordered)));
  std::vector<std::string> first = keys_of(drain_planned(*make(shuffled(args, 5))));
  std::vector<std::string> again = keys_of(drain_planned(*make(shuffled(args, 5))));
  std::vector<std::string> other = keys_of(drain_planned(*make(shuffled(args, 6))));
  EXPECT_EQ(first, again) << "the same seed walks the same order";
  EXPECT_NE(first, other);
  EXPECT_NE(first, in_order);
  std::multiset<std::string> a(first.begin(), first.end()), b(in_order.begin(), in_order.end());
  EXPECT_EQ(a, b) << "shuffling changes the order, never the set";
  EXPECT_EQ(first.size(), (256u + 128u + 1u) * 2 + 1);
}

// Targets are interleaved: the first few hundred endpoints come from every range given,
// and within a range they jump between /24s instead of walking one.
TEST(PlanShuffle, RangesAreInterleavedAndSpread) {
  auto items = drain_planned(*make(shuffled({"10.1.0.0/16", "10.2.0.0/16"}, 9)));
  ASSERT_EQ(items.size(), 65536u * 2 * 2);
  std::set<std::string> slash24;
  int from_second = 0;
  for (size_t i = 0; i < 512; ++i) {
    const auto& e = std::get<EndpointSpec>(items[i].item);
    uint32_t v = static_cast<uint32_t>(e.ip.value());
    slash24.insert(std::to_string(v >> 8));
    if ((v >> 16) == 0x0a02) ++from_second;
  }
  EXPECT_EQ(from_second, 256) << "the two ranges take turns";
  EXPECT_GT(slash24.size(), 200u) << "512 endpoints over many /24s, not two";
}

TEST(PlanShuffle, NamesKeepTheirInputOrder) {
  std::vector<std::string> args;
  for (int i = 0; i < 150; ++i) {
    args.push_back("n" + std::to_string(i) + ".test");
    if (i % 10 == 0) args.push_back("10." + std::to_string(i) + ".0.0/28");
  }
  std::vector<std::string> names;
  for (const auto& p : drain_planned(*make(shuffled(args, 3)))) {
    if (const auto* l = std::get_if<LookupSpec>(&p.item)) names.push_back(l->name);
  }
  ASSERT_EQ(names.size(), 150u);
  for (int i = 0; i < 150; ++i) EXPECT_EQ(names[i], "n" + std::to_string(i) + ".test");
}

TEST(PlanShuffle, PositionsAreDistinctAndCountFilteredCandidates) {
  net::ExclusionSet excluded;
  excluded.add(*net::AddressRange::parse_cidr("10.1.0.0/30"));
  PlanInput in = shuffled({"10.1.0.0/28", "b.test"}, 4);
  in.exclusions = &excluded;
  auto items = drain_planned(*make(in));
  EXPECT_EQ(items.size(), (16u - 4u) * 2 + 1);
  std::set<Position> positions;
  for (const auto& p : items) {
    EXPECT_LT(p.position, 16u * 2 + 1) << "positions number every candidate, excluded or not";
    positions.insert(p.position);
  }
  EXPECT_EQ(positions.size(), items.size());
}

// A ledger that finished some positions and not others; a plan resumed from its snapshot
// hands out exactly the others.
TEST(PlanResume, ResumedPlanHandsOutExactlyWhatWasNotFinished) {
  std::vector<std::string> args = {"10.1.0.0/26", "c.test", "10.4.0.1-10.4.0.30"};
  ProgressLedger ledger(nullptr);
  PlanInput first_in = shuffled(args, 11);
  first_in.ledger = &ledger;
  auto first = make(first_in);
  std::vector<PlannedItem> taken;
  for (int i = 0; i < 6; ++i) first->next_batch(taken, 10);
  ASSERT_EQ(taken.size(), 60u);
  std::vector<std::pair<Position, uint32_t>> done;
  std::set<std::string> finished;
  for (size_t i = 0; i < taken.size(); ++i) {
    if (i % 7 == 3) continue;  // in flight when the run died
    done.emplace_back(taken[i].position, 1);
    finished.insert(endpoint_key(taken[i].item));
  }
  ledger.finished(done);
  CheckpointState state = ledger.snapshot();
  EXPECT_FALSE(state.complete);
  EXPECT_EQ(state.records, done.size());
  EXPECT_EQ(state.unfinished.size(), taken.size() - done.size());

  std::vector<std::string> all = keys_of(drain_planned(*make(shuffled(args, 11))));
  PlanInput again_in = shuffled(args, 11);
  again_in.resume = &state;
  ProgressLedger second_ledger(&state);
  again_in.ledger = &second_ledger;
  std::vector<std::string> rest = keys_of(drain_planned(*make(again_in)));
  std::multiset<std::string> union_set(rest.begin(), rest.end());
  for (const std::string& k : finished) {
    EXPECT_EQ(union_set.count(k), 0u) << k << " was finished and is planned again";
    union_set.insert(k);
  }
  EXPECT_EQ(union_set, std::multiset<std::string>(all.begin(), all.end()));
  CheckpointState after = second_ledger.snapshot();
  EXPECT_FALSE(after.complete) << "handed out, not finished";
  EXPECT_EQ(after.unfinished.size(), rest.size());
}

}  // namespace
}  // namespace tlsfleet::scanner
