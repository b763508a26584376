// Names resolved through the fleet's dnsmasq (--resolver): one address, two addresses
// (one record each), a name that does not exist, all of them one query at a time, and
// several names that do not exist one after another.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

TEST(ScanDns, NameResolvesToItsServer) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("valid2")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  EXPECT_EQ(r->str("/target"), "valid2.test");
  EXPECT_EQ(r->str_or_null("/host"), "valid2.test");
  EXPECT_EQ(r->str_or_null("/ip"), f.ip("valid2"));
  EXPECT_EQ(r->str_or_null("/sni"), "valid2.test");
  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_TRUE(r->has("/timing_ms/dns"));
  EXPECT_EQ(normalize_hex(r->str("/cert/sha256")), f.sha256("valid2"));
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
}

TEST(ScanDns, TwoAddressesGiveTwoRecords) {
  const Fleet& f = fleet();
  ScanRun run = scan({"multi.test"});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 2u) << run.describe() << "\nstdout:\n" << run.process.out;

  std::vector<std::string> ips;
  for (const Record& r : run.records) {
    SCOPED_TRACE(r.label());
    ips.push_back(r.str("/ip"));
    EXPECT_EQ(r.str("/target"), "multi.test");
    EXPECT_EQ(r.str_or_null("/host"), "multi.test");
    EXPECT_EQ(r.str_or_null("/sni"), "multi.test");
    EXPECT_EQ(r.str("/status"), "ok");
    EXPECT_TRUE(r.boolean("/chain/hostname_match")) << "both leaves name multi.test";
    expect_no_findings(r);
    // Each record carries the certificate of the server at its own address.
    std::string scenario = r.str("/ip") == f.ip("valid") ? "valid" : "valid2";
    EXPECT_EQ(normalize_hex(r.str("/cert/sha256")), f.sha256(scenario));
  }
  expect_same_set(ips, {f.ip("valid"), f.ip("valid2")}, "addresses of multi.test");
}

TEST(ScanDns, NxdomainIsADnsError) {
  const Fleet& f = fleet();
  ScanRun run = scan({"nx.test"});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  EXPECT_EQ(r->str("/target"), "nx.test");
  EXPECT_EQ(r->str_or_null("/host"), "nx.test");
  EXPECT_TRUE(r->is_null("/ip"));
  EXPECT_EQ(r->integer("/port"), std::stoi(f.port()));
  ASSERT_EQ(r->str("/status"), "dns_error") << r->line();
  EXPECT_EQ(r->str("/error/stage"), "dns");
  EXPECT_EQ(r->str("/error/code"), "NXDOMAIN");
  EXPECT_TRUE(r->is_null("/tls"));
  EXPECT_TRUE(r->is_null("/cert"));
  EXPECT_TRUE(r->is_null("/chain"));
  EXPECT_EQ(r->integer("/connections"), 0);
  EXPECT_FALSE(r->has("/timing_ms/connect")) << "nothing to connect to";
}

TEST(ScanDns, OneQueryAtATimeStillAnswersEveryName) {
  // --dns-queries 1 on one worker: each lookup waits for the one before it. Every name
  // still gets its records: two for multi.test, the NXDOMAIN for nx.test, one for the rest.
  const Fleet& f = fleet();
  ScanRun run = scan({"--dns-queries", "1", "--threads", "1", f.host("valid"), f.host("valid2"),
                      f.host("expired"), "multi.test", "nx.test"});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  std::map<std::string, int> records_by_host;
  std::map<std::string, std::string> status_by_host;
  for (const Record& r : run.records) {
    ++records_by_host[r.str("/host")];
    status_by_host[r.str("/host")] = r.str("/status");
    EXPECT_TRUE(r.has("/timing_ms/dns")) << r.line();
  }
  EXPECT_EQ(records_by_host, (std::map<std::string, int>{{"valid.test", 1},
                                                         {"valid2.test", 1},
                                                         {"expired.test", 1},
                                                         {"multi.test", 2},
                                                         {"nx.test", 1}}))
      << run.describe();
  EXPECT_EQ(status_by_host["nx.test"], "dns_error");
  EXPECT_EQ(status_by_host["valid2.test"], "ok");
}

// A worker refills one record for every name that fails DNS (scanner/worker.cpp): each
// record must still carry only its own name, port and detail, a short name after a long
// one included (nothing left over from the record before).
TEST(ScanDns, EveryFailedNameGetsARecordOfItsOwn) {
  ScanRun run =
      scan({"--dns-queries", "1", "--threads", "1",
            "a-much-longer-name-that-is-not-there.test:7001", "nx.test:7002", "absent.test"});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 3u) << run.describe();
  const struct {
    const char* target;
    const char* host;
    int port;
  } expected[] = {{"a-much-longer-name-that-is-not-there.test:7001",
                   "a-much-longer-name-that-is-not-there.test", 7001},
                  {"nx.test:7002", "nx.test", 7002},
                  {"absent.test", "absent.test", std::stoi(fleet().port())}};
  for (const auto& e : expected) {
    SCOPED_TRACE(e.target);
    const Record* r = run.by_target(e.target);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->str_or_null("/host"), e.host);
    EXPECT_EQ(r->str_or_null("/sni"), e.host);
    EXPECT_EQ(r->integer("/port"), e.port);
    EXPECT_EQ(r->str("/status"), "dns_error");
    EXPECT_EQ(r->str("/error/code"), "NXDOMAIN");
    EXPECT_EQ(r->str("/error/detail").rfind(std::string("DNS lookup of ") + e.host + ": ", 0), 0u)
        << r->str("/error/detail");
    EXPECT_EQ(
        r->str("/error/detail").find(".test", std::strlen("DNS lookup of ") + std::strlen(e.host)),
        std::string::npos)
        << "no other name in the detail: " << r->str("/error/detail");
    EXPECT_TRUE(r->is_null("/ip"));
    EXPECT_FALSE(r->has("/timing_ms/connect"));
  }
}

}  // namespace
}  // namespace tlsfleet::integration
