// Exit status of `tlsfleet scan`: 0 scanned, 1 when --fail-on tripped, 2 usage error.
#include <gtest/gtest.h>

#include <set>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

TEST(ScanExitStatus, UnknownFlagIsAUsageError) {
  const Fleet& f = fleet();
  ScanRun run = run_tlsfleet({"scan", "--no-such-flag", "--ports", f.port(), f.host("valid")});
  EXPECT_EQ(run.exit_code(), 2) << run.describe();
  EXPECT_TRUE(run.process.out.empty()) << "nothing scanned, nothing written: " << run.process.out;
  EXPECT_FALSE(run.err().empty()) << "a usage error says what is wrong";
}

TEST(ScanExitStatus, BadFlagValueIsAUsageError) {
  const Fleet& f = fleet();
  ScanRun run =
      run_tlsfleet({"scan", "--depth", "bottomless", "--ports", f.port(), f.host("valid")});
  EXPECT_EQ(run.exit_code(), 2) << run.describe();
  EXPECT_TRUE(run.process.out.empty()) << run.process.out;
  // No DNS query could ever go out: refused before any scan.
  run = run_tlsfleet({"scan", "--dns-queries", "0", "--ports", f.port(), f.host("valid")});
  EXPECT_EQ(run.exit_code(), 2) << run.describe();
  EXPECT_TRUE(run.process.out.empty()) << run.process.out;
  EXPECT_NE(run.err().find("--dns-queries"), std::string::npos) << run.err();
}

TEST(ScanExitStatus, FailOnHighTripsOnExpiredCertificate) {
  const Fleet& f = fleet();
  ScanRun run = scan({"--fail-on", "high", f.host("expired")});
  EXPECT_EQ(run.exit_code(), 1) << run.describe();
  ASSERT_EQ(run.records.size(), 1u) << "the record is written all the same";
  auto expired = run.records[0].finding("CERT_EXPIRED");
  ASSERT_TRUE(expired.has_value());
  EXPECT_TRUE(std::set<std::string>({"high", "critical"}).count(expired->severity))
      << "an expired certificate is at least high, got " << expired->severity;
}

TEST(ScanExitStatus, FailOnHighStaysZeroWhenAllIsWell) {
  const Fleet& f = fleet();
  ScanRun run = scan({"--fail-on", "high", f.host("valid"), f.host("haproxy")});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  EXPECT_EQ(run.records.size(), 2u);
}

TEST(ScanExitStatus, FindingsWithoutFailOnExitZero) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("expired"), f.host("closed"), "nx.test"});
  EXPECT_EQ(run.exit_code(), 0) << "the scan ran, whatever it found: " << run.describe();
  EXPECT_EQ(run.records.size(), 3u);
}

}  // namespace
}  // namespace tlsfleet::integration
