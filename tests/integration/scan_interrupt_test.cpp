// Ctrl-C (or SIGTERM) mid-scan: tlsfleet stops launching, lets the endpoints in flight
// finish within their deadline, writes every finished record, and exits 130. A second interrupt
// cancels what is still in flight, and those endpoints are written as `cancelled`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/process_runner.h"

namespace tlsfleet::integration {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  Clock::time_point started;
};

Child spawn(const std::vector<std::string>& args, const std::string& err_path) {
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  Child c;
  c.started = Clock::now();
  c.pid = start_process(args, devnull, STDOUT_FILENO, err);
  close(devnull);
  close(err);
  return c;
}

// Waits up to limit; returns the exit status, or -1 (after killing it) on timeout.
int wait_for(const Child& c, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(c.pid, SIGKILL);
  waitpid(c.pid, nullptr, 0);
  return -1;
}

std::map<std::string, int> statuses(const std::string& path, size_t* lines, size_t* bad) {
  std::map<std::string, int> counts;
  std::ifstream in(path);
  simdjson::dom::parser parser;
  std::string line;
  *lines = *bad = 0;
  while (std::getline(in, line)) {
    ++*lines;
    simdjson::dom::element e;
    std::string_view status;
    if (parser.parse(line).get(e) || e["status"].get(status)) {
      ++*bad;
      continue;
    }
    ++counts[std::string(status)];
  }
  return counts;
}

// Targets: a closed port (finishes at once), then ten endpoints on the silent listener
// (each finishes only at its deadline). With -c 3 (and --per-host 3, since they share one
// address), three silent ones are in flight when the interrupt comes; the other seven must
// never start.
std::vector<std::string> scan_args(const std::string& out, const std::string& timeout) {
  const Fleet& f = fleet();
  std::vector<std::string> args = {tlsfleet_binary(),
                                   "scan",
                                   "--no-progress",
                                   "--timeout",
                                   timeout,
                                   "-c",
                                   "3",
                                   "--per-host",
                                   "3",
                                   "--threads",
                                   "1",
                                   "-p",
                                   f.port(),
                                   "-o",
                                   out,
                                   f.ip("closed")};
  for (int i = 0; i < 10; ++i) args.push_back(f.ip("silent"));
  return args;
}

TEST(Interrupt, FirstSigintFinishesInFlightWritesEverythingAndExits130) {
  std::string out = fleet().dir() + "/interrupt1.ndjson";
  Child c = spawn(scan_args(out, "3"), fleet().dir() + "/interrupt1.err");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(c.pid, SIGINT);
  int status = wait_for(c, std::chrono::seconds(8));
  double seconds = std::chrono::duration<double>(Clock::now() - c.started).count();
  ASSERT_EQ(status, 130);
  EXPECT_LT(seconds, 3.0 * 1.1 + 1.0) << "in-flight endpoints finish within one deadline";

  size_t lines, bad;
  auto counts = statuses(out, &lines, &bad);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(lines, 4u) << "the closed port and the three in flight; nothing new started";
  EXPECT_EQ(counts["connect_error"], 1);
  EXPECT_EQ(counts["timeout"], 3) << "the silent endpoints in flight were finished";
}

// A service manager or `kill` sends SIGTERM: the same as a first Ctrl-C.
TEST(Interrupt, SigtermFinishesInFlightWritesEverythingAndExits130) {
  std::string out = fleet().dir() + "/interrupt_term.ndjson";
  Child c = spawn(scan_args(out, "3"), fleet().dir() + "/interrupt_term.err");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(c.pid, SIGTERM);
  int status = wait_for(c, std::chrono::seconds(8));
  double seconds = std::chrono::duration<double>(Clock::now() - c.started).count();
  ASSERT_EQ(status, 130);
  EXPECT_LT(seconds, 3.0 * 1.1 + 1.0) << "in-flight endpoints finish within one deadline";

  size_t lines, bad;
  auto counts = statuses(out, &lines, &bad);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(lines, 4u) << "the closed port and the three in flight; nothing new started";
  EXPECT_EQ(counts["connect_error"], 1);
  EXPECT_EQ(counts["timeout"], 3) << "the silent endpoints in flight were finished";
}

TEST(Interrupt, SecondSigintCancelsInFlightAsCancelledRecords) {
  std::string out = fleet().dir() + "/interrupt2.ndjson";
  Child c = spawn(scan_args(out, "20"), fleet().dir() + "/interrupt2.err");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(c.pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(c.pid, SIGINT);
  int status = wait_for(c, std::chrono::seconds(5));
  ASSERT_EQ(status, 130) << "cancelled well before the 20 s deadline";

  size_t lines, bad;
  auto counts = statuses(out, &lines, &bad);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(lines, 4u);
  EXPECT_EQ(counts["cancelled"], 3) << "the three silent endpoints in flight";
  EXPECT_EQ(counts["connect_error"], 1);
}

}  // namespace
}  // namespace tlsfleet::integration
