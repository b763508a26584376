// Where targets come from and what forms they take: -i FILE (with a bad line), -i - (stdin),
// name@address, a CIDR block, and --exclude.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::path(fleet().dir()) / name).string();
  std::ofstream(path) << text;
  return path;
}

// The fleet's /28: base .16, 16 addresses.
std::vector<std::string> fleet_block() {
  std::vector<std::string> out;
  for (int last = 16; last < 32; ++last) out.push_back(fleet().net() + "." + std::to_string(last));
  return out;
}

TEST(ScanTargets, InputFileWithBadLineGoesOn) {
  const Fleet& f = fleet();
  // Line 4 has a port out of range; it names a loopback address so that even a scanner
  // that wrongly accepted it could not leave the machine.
  std::string path =
      write_file("targets-bad-line.txt", "# fleet targets\n\n" + f.host("valid") + "\n" +
                                             f.ip("valid") + ":99999\n" + f.host("closed") + "\n");
  ScanRun run = scan({"-i", path});
  EXPECT_EQ(run.exit_code(), 0) << "one bad line does not stop the scan: " << run.describe();
  EXPECT_TRUE(std::regex_search(run.err(), std::regex(R"((line\s*4\b)|(:4\b))")))
      << "stderr should name line 4: " << run.err();
  ASSERT_EQ(run.records.size(), 2u) << run.describe() << "\nstdout:\n" << run.process.out;
  const Record* valid = run.by_target(f.host("valid"));
  const Record* closed = run.by_target(f.host("closed"));
  ASSERT_NE(valid, nullptr);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(valid->str("/status"), "ok");
  EXPECT_EQ(closed->str("/status"), "connect_error");
}

TEST(ScanTargets, StdinTargets) {
  const Fleet& f = fleet();
  ScanOptions options;
  options.stdin_text = f.host("valid2") + "\n# a comment\n" + f.ip("closed") + "\n";
  ScanRun run = scan({"-i", "-"}, options);
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 2u) << run.describe() << "\nstdout:\n" << run.process.out;

  const Record* name = run.by_target(f.host("valid2"));
  const Record* address = run.by_target(f.ip("closed"));
  ASSERT_NE(name, nullptr);
  ASSERT_NE(address, nullptr);
  EXPECT_EQ(name->str("/status"), "ok");
  EXPECT_EQ(address->str("/status"), "connect_error");
  EXPECT_TRUE(address->is_null("/host")) << "an address target has no host";
  EXPECT_TRUE(address->is_null("/sni")) << "no SNI for an address without --sni";
}

// `-i FILE` takes one file (CLI.md): a target after it is a target, not a second file.
TEST(ScanTargets, ArgumentsAfterInputFile) {
  const Fleet& f = fleet();
  std::string path = write_file("targets-one.txt", f.host("valid2") + "\n");
  ScanRun run = scan({"-i", path, f.host("haproxy")});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 2u) << run.describe() << "\nstdout:\n" << run.process.out;
  const Record* from_file = run.by_target(f.host("valid2"));
  const Record* from_args = run.by_target(f.host("haproxy"));
  ASSERT_NE(from_file, nullptr);
  ASSERT_NE(from_args, nullptr);
  EXPECT_EQ(from_file->str("/status"), "ok");
  EXPECT_EQ(from_args->str("/status"), "ok");
}

// name@address: connect to the address, send the name as SNI, check the leaf against it.
TEST(ScanTargets, NameAtAddress) {
  const Fleet& f = fleet();
  std::string matching = f.host("valid") + "@" + f.ip("valid");
  std::string mismatching = f.host("valid") + "@" + f.ip("wrongname") + ":" + f.port();
  ScanRun run = scan({matching, mismatching});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 2u) << run.describe() << "\nstdout:\n" << run.process.out;

  const Record* good = run.by_target(matching);
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->str_or_null("/host"), "valid.test");
  EXPECT_EQ(good->str_or_null("/ip"), f.ip("valid"));
  EXPECT_EQ(good->str_or_null("/sni"), "valid.test");
  EXPECT_EQ(good->integer("/port"), std::stoi(f.port()));
  ASSERT_EQ(good->str("/status"), "ok") << good->line();
  EXPECT_FALSE(good->has("/timing_ms/dns")) << "the address is given: no lookup";
  EXPECT_TRUE(good->boolean("/chain/hostname_match"));
  expect_no_findings(*good);

  const Record* bad = run.by_target(mismatching);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->str_or_null("/ip"), f.ip("wrongname"));
  EXPECT_EQ(bad->str_or_null("/sni"), "valid.test");
  ASSERT_EQ(bad->str("/status"), "ok") << bad->line();
  EXPECT_EQ(normalize_hex(bad->str("/cert/sha256")), f.sha256("wrongname"));
  EXPECT_FALSE(bad->boolean("/chain/hostname_match"));
  expect_finding(*bad, "CERT_HOSTNAME_MISMATCH", "certificate");
}

// One record per address of the block, each with the status of the scenario living there.
TEST(ScanTargets, CidrBlockOfTheFleet) {
  const Fleet& f = fleet();
  ScanOptions options;
  options.timeout = "1";  // the silent listener costs the deadline
  ScanRun run = scan({f.cidr()}, options);
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 16u) << run.describe() << "\nstdout:\n" << run.process.out;

  std::vector<std::string> ips;
  for (const Record& r : run.records) {
    ips.push_back(r.str("/ip"));
    EXPECT_EQ(r.str("/target"), f.cidr());
    EXPECT_TRUE(r.is_null("/host"));
    EXPECT_EQ(r.integer("/port"), std::stoi(f.port()));
  }
  expect_same_set(ips, fleet_block(), "addresses scanned");

  const std::pair<const char*, const char*> expected[] = {
      {"valid", "ok"},          {"valid2", "ok"},
      {"expired", "ok"},        {"noint", "ok"},
      {"misordered", "ok"},     {"haproxy", "ok"},
      {"plaintext", "not_tls"}, {"closed", "connect_error"},
      {"silent", "timeout"}};
  for (const auto& [scenario, status] : expected) {
    auto records = run.with_ip(f.ip(scenario));
    ASSERT_EQ(records.size(), 1u) << scenario;
    EXPECT_EQ(records[0]->str("/status"), status) << scenario;
  }
  // Without SNI each nginx still serves its only certificate.
  auto valid = run.with_ip(f.ip("valid"));
  EXPECT_EQ(normalize_hex(valid[0]->str("/cert/sha256")), f.sha256("valid"));
}

TEST(ScanTargets, ExcludeFileIsNeverContacted) {
  const Fleet& f = fleet();
  // .24/30 covers misordered, weakkey, haproxy and plaintext; .29 is the silent listener.
  std::string path = write_file("exclude.txt", f.ip("silent") + "\n" + f.net() + ".24/30\n");
  ScanRun run = scan({f.cidr(), "--exclude", path});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  std::set<std::string> excluded = {f.ip("silent")};
  for (int last = 24; last < 28; ++last) excluded.insert(f.net() + "." + std::to_string(last));

  std::vector<std::string> ips, expected;
  for (const Record& r : run.records) ips.push_back(r.str("/ip"));
  for (const std::string& ip : fleet_block()) {
    if (!excluded.count(ip)) expected.push_back(ip);
  }
  expect_same_set(ips, expected, "addresses scanned with --exclude");
}

}  // namespace
}  // namespace tlsfleet::integration
