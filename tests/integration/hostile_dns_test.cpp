// A misbehaving DNS server (tests/integration/hostile_dns.py): a truncated UDP answer
// (c-ares retries over TCP), SERVFAIL, silence, CNAME chains with no end, a CNAME loop.
// Every lookup ends within --dns-timeout plus 10% and the record says why.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/integration/hostile_servers.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

constexpr double kDnsTimeoutS = 1.0;
constexpr double kTimeoutS = 2.0;
constexpr double kProcessSlackS = 2.0;

class HostileDns : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    servers_ = hostile_servers(&why);
    ASSERT_NE(servers_, nullptr) << why;
  }

  // Scans NAME.hostile.test for each name with the hostile resolver.
  ScanRun lookup(const std::vector<std::string>& names) const {
    std::vector<std::string> args = {"scan",
                                     "--no-progress",
                                     "--resolver",
                                     servers_->resolver(),
                                     "--dns-timeout",
                                     "1",
                                     "--timeout",
                                     "2",
                                     "-p",
                                     servers_->port()};
    for (const std::string& n : names) args.push_back(n + ".hostile.test");
    ScanRun run = run_tlsfleet(args);
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_LT(run.process.seconds, (kDnsTimeoutS + kTimeoutS) * 1.1 + kProcessSlackS)
        << run.describe();
    for (const Record& r : run.records) {
      SCOPED_TRACE(r.label());
      expect_record_shape(r);
      EXPECT_LE(r.number("/timing_ms/total"), (kDnsTimeoutS + kTimeoutS) * 1000 * 1.1);
      EXPECT_LE(r.number("/timing_ms/dns"), kDnsTimeoutS * 1000 * 1.1);
    }
    return run;
  }

  // The record of a one-name lookup.
  Record one(const std::string& name) const {
    ScanRun run = lookup({name});
    std::string error;
    if (run.records.size() != 1) {
      ADD_FAILURE() << run.records.size() << " records for " << name << "; " << run.describe();
      return *Record::parse(R"({"status":"missing"})", &error);
    }
    return std::move(run.records[0]);
  }

  static void expect_dns_error(const Record& r, const std::set<std::string>& codes) {
    ASSERT_EQ(r.str("/status"), "dns_error") << r.line();
    EXPECT_EQ(r.str("/error/stage"), "dns") << r.line();
    EXPECT_TRUE(codes.count(r.str("/error/code"))) << r.line();
    EXPECT_FALSE(r.str("/error/detail").empty()) << r.line();
    EXPECT_TRUE(r.is_null("/ip")) << r.line();
    EXPECT_EQ(r.integer("/connections"), 0) << r.line();
  }

  const HostileServers* servers_ = nullptr;
};

// The UDP answer is cut (TC); the address only comes over TCP. It points at a closed
// port, so getting it is proven by the connect that follows.
TEST_F(HostileDns, TruncatedAnswerFallsBackToTcp) {
  Record r = one("tc");
  EXPECT_EQ(r.str_or_null("/ip"), servers_->closed_ip()) << r.line();
  EXPECT_EQ(r.str("/status"), "connect_error") << r.line();
  EXPECT_EQ(r.str("/error/code"), "CONNECTION_REFUSED") << r.line();
}

TEST_F(HostileDns, ServfailIsReportedAsServfail) {
  Record r = one("servfail");
  expect_dns_error(r, {"SERVFAIL"});
}

TEST_F(HostileDns, SilentServerTimesOutWithinTheDnsDeadline) {
  Record r = one("silent");
  expect_dns_error(r, {"DNS_TIMEOUT"});
  EXPECT_GE(r.number("/timing_ms/dns"), kDnsTimeoutS * 1000 * 0.9) << r.line();
}

// A chain of 40 CNAMEs that ends nowhere, as a recursive resolver hands it back when it
// stops following; c-ares follows what is in the answer and asks no more.
TEST_F(HostileDns, CnameChainWithoutAnAddressIsNoAddress) {
  Record r = one("cname");
  expect_dns_error(r, {"NO_ADDRESS"});
}

TEST_F(HostileDns, CnameLoopEnds) {
  Record r = one("loop");
  expect_dns_error(r, {"NO_ADDRESS", "SERVFAIL"});
}

// 40 CNAMEs that do end in an address (too long for UDP, so over TCP): followed.
TEST_F(HostileDns, LongCnameChainEndingInAnAddressIsFollowed) {
  Record r = one("deep");
  EXPECT_EQ(r.str_or_null("/ip"), servers_->closed_ip()) << r.line();
  EXPECT_EQ(r.str("/error/code"), "CONNECTION_REFUSED") << r.line();
}

TEST_F(HostileDns, EveryMisbehaviourAtOnce) {
  const std::vector<std::string> names = {"tc",   "servfail", "silent", "cname",
                                          "loop", "deep",     "nx"};
  ScanRun run = lookup(names);
  ASSERT_EQ(run.records.size(), names.size()) << run.describe();
  std::map<std::string, std::string> code_by_host;
  for (const Record& r : run.records) code_by_host[r.str("/host")] = r.str("/error/code");
  EXPECT_EQ(code_by_host["silent.hostile.test"], "DNS_TIMEOUT");
  EXPECT_EQ(code_by_host["servfail.hostile.test"], "SERVFAIL");
  EXPECT_EQ(code_by_host["nx.hostile.test"], "NXDOMAIN");
  EXPECT_EQ(code_by_host["tc.hostile.test"], "CONNECTION_REFUSED");
}

}  // namespace
}  // namespace tlsfleet::integration
