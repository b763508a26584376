#include "scanner/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <variant>

#include "scanner/plan.h"

namespace tlsfleet::scanner {
namespace {

TEST(Shard, ParsesKOfN) {
  std::string error;
  auto s = Shard::parse("2/5", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->count, 5u);
  EXPECT_EQ(s->to_string(), "2/5");
  for (const char* bad : {"5/5", "1/0", "-1/3", "1", "a/b", "1/3x", "/3", "0/1000001", ""}) {
    EXPECT_FALSE(Shard::parse(bad, &error)) << bad;
    EXPECT_NE(error.find("K/N"), std::string::npos) << bad;
  }
}

TEST(Shard, MembershipIsSpreadAndFixed) {
  Shard four{0, 4};
  std::vector<int> counts(4, 0);
  for (unsigned i = 0; i < 4096; ++i) {
    ++counts[four.of_endpoint(net::IpAddress::from_value(net::IpAddress::Family::kV4, i), 443)];
  }
  for (int c : counts) EXPECT_NEAR(c, 1024, 150);
  // Pinned values: a change here reshuffles every sharded deployment.
  Shard seven{0, 7};
  EXPECT_EQ(seven.of_endpoint(*net::IpAddress::parse("10.0.0.1"), 443), 1u);
  EXPECT_EQ(seven.of_endpoint(*net::IpAddress::parse("10.0.0.1"), 8443), 6u);
  EXPECT_EQ(seven.of_name("valid.test"), 1u);
  EXPECT_EQ(Shard({0, 1000}).of_name("example.com"), 959u);
  EXPECT_EQ(Shard({0, 1}).of_name("anything.test"), 0u);
}

// An item's identity, whatever form it was planned in.
using Key = std::tuple<std::string, std::string, int>;  // (ip or name, sni, port or -1)

std::multiset<Key> plan_keys(PlanInput in) {
  std::string error;
  auto plan = Plan::create(std::move(in), &error);
  EXPECT_TRUE(plan) << error;
  std::multiset<Key> keys;
  std::vector<WorkItem> items;
  while (plan->next_batch(items, 5)) {
  }
  for (const WorkItem& item : items) {
    if (const auto* e = std::get_if<EndpointSpec>(&item)) {
      keys.insert({e->ip.to_string(), e->sni.value_or(""), e->port});
    } else {
      keys.insert({std::get<LookupSpec>(item).name, "", -1});
    }
  }
  return keys;
}

PlanInput fleet_input() {
  PlanInput in;
  in.arguments = {"10.0.0.0/26",
                  "10.0.1.5",
                  "[2001:db8::1]:8443",
                  "a.test",
                  "b.test:9443",
                  "shop.test@10.0.0.7:443",
                  "10.0.2.0-10.0.2.40",
                  "2001:db8::/122",
                  "c.test",
                  "d.test"};
  in.ports = {443, 8443};
  in.shuffle = true;
  return in;
}

// The promise: for any N, the N shards are disjoint and together are the whole plan,
// whatever seed each shard runs with.
TEST(Shard, ShardsOfAPlanAreDisjointAndCoverIt) {
  PlanInput whole_in = fleet_input();
  whole_in.seed = 1;
  std::multiset<Key> whole = plan_keys(whole_in);
  ASSERT_EQ(whole.size(), (64 + 1 + 41 + 64) * 2 + 1 + 1 + 4u);
  for (uint32_t n : {1u, 2u, 3u, 7u, 500u}) {
    std::multiset<Key> together;
    for (uint32_t k = 0; k < n; ++k) {
      PlanInput in = fleet_input();
      in.seed = 1000 + k;  // each shard its own order
      in.shard = Shard{k, n};
      std::multiset<Key> part = plan_keys(in);
      for (const Key& key : part) {
        EXPECT_EQ(together.count(key), 0u) << "in two shards of " << n;
      }
      together.insert(part.begin(), part.end());
    }
    EXPECT_EQ(together, whole) << "the " << n << " shards are not the whole plan";
  }
}

// Membership depends on the endpoint, not on how the input wrote it.
TEST(Shard, ARangeShardsLikeItsAddressesListedOneByOne) {
  PlanInput range;
  range.arguments = {"10.9.0.0/28"};
  range.ports = {443};
  range.shuffle = true;
  range.shard = Shard{1, 3};
  PlanInput listed = range;
  listed.arguments.clear();
  for (int i = 0; i < 16; ++i) listed.arguments.push_back("10.9.0." + std::to_string(i));
  listed.seed = 77;
  EXPECT_EQ(plan_keys(range), plan_keys(listed));
}

}  // namespace
}  // namespace tlsfleet::scanner
