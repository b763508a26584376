// Sweeping large spaces, on the real fleet: --shard slices that cover the scan exactly
// once, --resume after kill -9, --per-host / --per-subnet politeness, --sni-from ptr
// against the fleet's dnsmasq (its hosts file gives every scenario address a PTR name).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/process_runner.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

using Clock = std::chrono::steady_clock;

// An endpoint as SCHEMA.md defines it, plus the target it was planned from.
std::string endpoint_key(const Record& r) {
  return r.str("/target") + " " + r.str_or_null("/ip").value_or("-") + ":" +
         std::to_string(r.integer("/port")) + " " + r.str_or_null("/sni").value_or("-");
}

std::vector<std::string> slice_targets() {
  const Fleet& f = fleet();
  return {f.cidr(),
          f.host("valid"),
          f.host("expired"),
          "multi.test",
          "shop.test@" + f.ip("valid"),
          f.ip("closed") + ":9"};
}

TEST(FleetOpsShard, ShardsAreDisjointAndTogetherAreTheWholeScan) {
  ScanOptions options;
  options.timeout = "1";
  std::vector<std::string> whole_args = slice_targets();
  whole_args.insert(whole_args.end(), {"--seed", "1"});
  ScanRun whole = scan(whole_args, options);
  ASSERT_EQ(whole.exit_code(), 0) << whole.describe();
  std::multiset<std::string> expected;
  for (const Record& r : whole.records) expected.insert(endpoint_key(r));
  ASSERT_EQ(expected.size(), 16u + 1 + 1 + 2 + 1 + 1) << whole.describe();

  const int n = 3;
  std::multiset<std::string> together;
  for (int k = 0; k < n; ++k) {
    std::vector<std::string> args = slice_targets();
    // Each slice with its own seed: membership must not depend on the order.
    args.insert(args.end(), {"--shard", std::to_string(k) + "/" + std::to_string(n), "--seed",
                             std::to_string(100 + k)});
    ScanRun part = scan(args, options);
    ASSERT_EQ(part.exit_code(), 0) << part.describe();
    EXPECT_LT(part.records.size(), expected.size()) << "shard " << k << " scanned everything";
    for (const Record& r : part.records) {
      EXPECT_EQ(together.count(endpoint_key(r)), 0u) << endpoint_key(r) << " in two shards";
      together.insert(endpoint_key(r));
    }
  }
  EXPECT_EQ(together, expected) << "the union of the shards is not the whole scan";
}

struct Child {
  pid_t pid = -1;
};

Child spawn(const std::vector<std::string>& args, const std::string& err_path) {
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  Child c{start_process(args, devnull, devnull, err)};
  close(devnull);
  close(err);
  return c;
}

// Waits up to limit for the child; its raw wait status, or -1 after killing it.
int wait_status(const Child& c, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(c.pid, &status, WNOHANG) == c.pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(c.pid, SIGKILL);
  waitpid(c.pid, nullptr, 0);
  return -1;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// "records N" of a checkpoint file.
long checkpoint_field(const std::string& path, const std::string& key) {
  for (const std::string& line : read_lines(path)) {
    if (line.rfind(key + " ", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  ADD_FAILURE() << "no " << key << " in checkpoint " << path;
  return -1;
}

// The /24 around the fleet: mostly closed addresses, the silent listener, and the fleet's
// servers; at 40 endpoints per second it takes more than 6 s, so a kill -9 at 2.5 s cuts it.
std::vector<std::string> resume_command(const std::string& out, const std::string& checkpoint) {
  const Fleet& f = fleet();
  return {tlsfleet_binary(), "scan",     "--no-progress", "--depth", "basic",
          "--timeout",       "1",        "--rate",        "40",      "-p",
          f.port(),          "--resume", checkpoint,      "-o",      out,
          f.net() + ".0/24"};
}

TEST(FleetOpsResume, KilledScanResumesWithNothingMissingAndFewDuplicates) {
  const std::string dir = fleet().dir();
  const std::string out = dir + "/resume.ndjson";
  const std::string checkpoint = dir + "/resume.checkpoint";
  std::filesystem::remove(out);
  std::filesystem::remove(checkpoint);
  std::vector<std::string> command = resume_command(out, checkpoint);

  Child first = spawn(command, dir + "/resume1.err");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  kill(first.pid, SIGKILL);
  int status = wait_status(first, std::chrono::seconds(10));
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  const size_t first_lines = read_lines(out).size();
  ASSERT_GT(first_lines, 0u) << "the first run wrote nothing before the kill";
  ASSERT_LT(first_lines, 256u) << "the first run was not cut mid-way";
  const long vouched = checkpoint_field(checkpoint, "records");
  EXPECT_GT(vouched, 0) << "no checkpoint was saved in 2.5 s";
  EXPECT_LE(vouched, static_cast<long>(first_lines)) << "a checkpoint counted unwritten records";
  EXPECT_EQ(checkpoint_field(checkpoint, "complete"), 0);

  // The same command again, without --seed: the checkpoint's seed is used.
  ProcessResult second = run_process(command, "", std::chrono::seconds(60));
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  EXPECT_NE(second.err.find("resuming"), std::string::npos) << second.err;

  std::vector<std::string> lines = read_lines(out);
  std::map<std::string, int> seen;
  size_t bad = 0;
  for (const std::string& line : lines) {
    std::string error;
    auto record = Record::parse(line, &error);
    if (!record) {
      ++bad;
      continue;
    }
    ++seen[record->str("/ip") + ":" + std::to_string(record->integer("/port"))];
  }
  EXPECT_EQ(bad, 0u) << "every line of the appended output is one record";
  EXPECT_EQ(seen.size(), 256u) << "an endpoint of the /24 is missing after the resume";
  const long duplicates = static_cast<long>(lines.size()) - 256;
  std::cout << "[ resume   ] killed run wrote " << first_lines
            << " records, its checkpoint vouched " << vouched << "; after the resume "
            << seen.size() << " endpoints, " << duplicates << " duplicates\n";
  // The documented bound: what finished after the last checkpoint of the killed run.
  EXPECT_LE(duplicates, static_cast<long>(first_lines) - vouched);
  for (const auto& [endpoint, count] : seen) EXPECT_LE(count, 2) << endpoint;
  EXPECT_LE(lines.size() - first_lines, 256u - static_cast<size_t>(vouched))
      << "the second run scanned work the checkpoint had finished";
  EXPECT_EQ(checkpoint_field(checkpoint, "complete"), 1);

  // Once complete, the same command has nothing to do; another command line is refused.
  ProcessResult third = run_process(command, "", std::chrono::seconds(30));
  EXPECT_EQ(third.exit_code, 0) << third.describe();
  EXPECT_EQ(read_lines(out).size(), lines.size()) << "a complete scan wrote more records";
  std::vector<std::string> other_ports = command;
  other_ports[10] = "9";  // -p
  ProcessResult refused = run_process(other_ports, "", std::chrono::seconds(30));
  EXPECT_EQ(refused.exit_code, 2) << refused.describe();
  EXPECT_NE(refused.err.find("different scan"), std::string::npos) << refused.err;
  std::vector<std::string> other_seed = command;
  other_seed.insert(other_seed.end() - 1, {"--seed", "12345"});
  ProcessResult seed_refused = run_process(other_seed, "", std::chrono::seconds(30));
  EXPECT_EQ(seed_refused.exit_code, 2) << seed_refused.describe();
}

// Records' [start, end] on the wall clock: ts minus the total time, and ts.
std::pair<double, double> span_ms(const Record& r) {
  std::tm tm{};
  std::string ts = r.str("/ts");
  strptime(ts.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  double end = static_cast<double>(timegm(&tm)) * 1000 + std::stod(ts.substr(20, 3));
  return {end - r.number("/timing_ms/total"), end};
}

// Two endpoints on the silent listener (the same address, listed twice) each take the
// whole --timeout; one connection at a time to an address makes them take turns.
TEST(FleetOpsPoliteness, PerHostOneSerializesEndpointsOfOneAddress) {
  const Fleet& f = fleet();
  ScanOptions options;
  options.timeout = "1";
  ScanRun run =
      scan({"--retries", "0", "--per-host", "1", f.ip("silent"), f.ip("silent")}, options);
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 2u) << run.describe();
  EXPECT_GE(run.process.seconds, 2.0) << "two 1 s endpoints of one address ran at once";
  auto a = span_ms(run.records[0]);
  auto b = span_ms(run.records[1]);
  // The second started after the first ended (a few ms of clock skew allowed).
  EXPECT_GE(std::max(a.first, b.first) + 5, std::min(a.second, b.second));

  ScanRun two =
      scan({"--retries", "0", "--per-host", "2", f.ip("silent"), f.ip("silent")}, options);
  ASSERT_EQ(two.exit_code(), 0) << two.describe();
  for (const Record& r : two.records) EXPECT_EQ(r.str("/status"), "timeout") << r.line();
}

TEST(FleetOpsPoliteness, PerSubnetHoldsBackOtherAddressesOfTheSlash24) {
  const Fleet& f = fleet();
  ScanOptions options;
  options.timeout = "1";
  // Two endpoints of the silent listener with per-host 2 would run together; the subnet
  // limit of 1 still makes them take turns.
  ScanRun run = scan(
      {"--retries", "0", "--per-host", "2", "--per-subnet", "1", f.ip("silent"), f.ip("silent")},
      options);
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  EXPECT_EQ(run.records.size(), 2u);
  EXPECT_GE(run.process.seconds, 2.0) << "two endpoints of one /24 ran at once";
}

TEST(FleetOpsPtr, SniFromPtrSendsEachAddressesPtrNameAndChecksIt) {
  const Fleet& f = fleet();
  ScanOptions options;
  options.timeout = "1";
  std::string empty = f.net() + ".16";  // no server, no PTR
  ScanRun run = scan(
      {"--sni-from", "ptr", f.ip("wrongname"), f.ip("expired"), f.ip("valid2"), empty}, options);
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 4u) << run.describe();
  for (const Record& r : run.records) {
    std::string ip = r.str("/ip");
    if (ip == f.ip("wrongname")) {
      EXPECT_EQ(r.str_or_null("/sni"), f.host("wrongname")) << r.line();
      EXPECT_FALSE(r.boolean("/chain/hostname_match")) << r.line();
      EXPECT_TRUE(r.finding("CERT_HOSTNAME_MISMATCH")) << r.line();
    } else if (ip == f.ip("expired")) {
      EXPECT_EQ(r.str_or_null("/sni"), f.host("expired")) << r.line();
      EXPECT_TRUE(r.boolean("/chain/hostname_match")) << r.line();
      EXPECT_TRUE(r.finding("CERT_EXPIRED")) << r.line();
    } else if (ip == f.ip("valid2")) {
      EXPECT_EQ(r.str_or_null("/sni"), f.host("valid2")) << r.line();
      EXPECT_TRUE(r.boolean("/chain/hostname_match")) << r.line();
    } else {
      EXPECT_EQ(r.str_or_null("/sni"), std::nullopt) << "no PTR name, no SNI: " << r.line();
    }
    EXPECT_TRUE(r.is_null("/host")) << "an address target has no host: " << r.line();
  }
  // --sni is what an address without a PTR name gets.
  ScanRun fallback = scan({"--sni-from", "ptr", "--sni", "fallback.test", empty}, options);
  const Record* r = single_record(fallback);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->str_or_null("/sni"), "fallback.test");
}

TEST(FleetOpsSeed, SeedIsPrintedAndKept) {
  ScanRun run = scan({"--seed", "424242", fleet().ip("closed")});
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  EXPECT_NE(run.err().find("seed 424242"), std::string::npos) << run.err();
  ScanRun random = scan({fleet().ip("closed")});
  EXPECT_TRUE(std::regex_search(random.err(), std::regex(R"(seed \d+ \(--seed \d+ repeats)")))
      << random.err();
}

}  // namespace
}  // namespace tlsfleet::integration
