// Faults on our own side: an output that cannot be written (a full disk, a pipe whose
// reader left), too few file descriptors, and input files that are binary garbage, hold a
// 10 MB line, use CRLF endings or are empty. The scanner says what happened, loses no
// record silently, and exits with a status that tells the caller.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/hostile_servers.h"
#include "tests/integration/process_runner.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// 128 addresses x 16 ports where nothing listens: 2,048 quick CONNECTION_REFUSED records,
// about 700 KB of output, far more than a pipe buffers.
std::vector<std::string> refused_sweep() { return {"-p", "1-16", hostile_net() + ".128/25"}; }

std::string write_file(const std::string& name, const std::string& bytes) {
  fs::path path = fs::path(fleet().dir()) / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ScanFaults, OutputToAFullDiskIsAClearErrorAndExit3) {
  const Fleet& f = fleet();
  ScanRun run = scan({"-o", "/dev/full", f.ip("closed"), f.ip("closed")});
  EXPECT_EQ(run.exit_code(), 3) << run.describe();
  EXPECT_TRUE(contains(run.err(), "/dev/full")) << run.err();
  EXPECT_TRUE(contains(run.err(), "No space left on device")) << run.err();
}

// `tlsfleet scan ... | head -1`: the reader takes one line and goes away. tlsfleet must
// neither die silently of SIGPIPE nor pretend all went well.
TEST(ScanFaults, ClosedPipeIsAClearErrorAndNonZeroExit) {
  std::vector<std::string> args = {tlsfleet_binary(), "scan", "--no-progress", "--timeout", "2"};
  for (const std::string& a : refused_sweep()) args.push_back(a);
  std::string err_path = fleet().dir() + "/closed_pipe.err";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  auto started = Clock::now();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);  // as a shell would leave it: tlsfleet must cope itself
    close(fds[0]);
    dup2(fds[1], 1);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  // Read up to the first newline, like head -1, then leave.
  std::string first;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') first += c;
  close(fds[0]);

  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() - started > std::chrono::seconds(30)) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL() << "tlsfleet did not exit after its reader left";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream err_in(err_path);
  std::string err((std::istreambuf_iterator<char>(err_in)), std::istreambuf_iterator<char>());
  std::string error;
  EXPECT_TRUE(Record::parse(first, &error).has_value()) << "first line: " << error;
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status) << "; " << err;
  EXPECT_EQ(WEXITSTATUS(status), 3) << err;
  EXPECT_TRUE(contains(err, "Broken pipe")) << err;
}

// Runs tlsfleet under prlimit(1) with this descriptor limit (soft:hard).
ScanRun scan_with_nofile(const std::string& limit, const std::vector<std::string>& targets) {
  const Fleet& f = fleet();
  std::vector<std::string> args = {"/usr/bin/prlimit",
                                   "--nofile=" + limit,
                                   "--",
                                   tlsfleet_binary(),
                                   "scan",
                                   "--no-progress",
                                   "--timeout",
                                   "1",
                                   "--resolver",
                                   f.resolver(),
                                   "-c",
                                   "1000"};
  args.insert(args.end(), targets.begin(), targets.end());
  ScanRun run{run_process(args, "", std::chrono::seconds(60)), {}};
  EXPECT_EQ(run.process.signal, 0) << "crashed: " << run.describe();
  size_t begin = 0;
  const std::string& out = run.process.out;
  while (begin < out.size()) {
    size_t end = out.find('\n', begin);
    if (end == std::string::npos) end = out.size();
    std::string error;
    auto r = Record::parse(std::string_view(out).substr(begin, end - begin), &error);
    if (r) {
      run.records.push_back(std::move(*r));
    } else {
      ADD_FAILURE() << "a line that is not one object: " << error;
    }
    begin = end + 1;
  }
  return run;
}

std::vector<std::string> descriptor_targets() {
  const Fleet& f = fleet();
  std::vector<std::string> t = refused_sweep();
  t.push_back(f.ip("silent") + ":" + f.port());
  t.push_back(f.ip("valid") + ":" + f.port());
  return t;  // 2,048 + 2 endpoints
}

// The hard limit (64) leaves no room for 1,000 connections: concurrency is cut, with a
// warning, and every endpoint is still scanned.
TEST(ScanFaults, DescriptorLimitBelowConcurrencyReducesItWithAWarning) {
  ScanRun run = scan_with_nofile("64:64", descriptor_targets());
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  EXPECT_TRUE(contains(run.err(), "exceeds the descriptor limit")) << run.err();
  EXPECT_EQ(run.records.size(), 2050u) << run.describe();
  for (const Record& r : run.records) {
    if (r.str("/ip") == fleet().ip("valid")) {
      EXPECT_EQ(r.str("/status"), "ok") << r.line();
    }
  }
}

TEST(ScanFaults, DescriptorLimitOfAFewHundredStillScansEverything) {
  ScanRun run = scan_with_nofile("256:256", descriptor_targets());
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  EXPECT_TRUE(contains(run.err(), "exceeds the descriptor limit")) << run.err();
  EXPECT_EQ(run.records.size(), 2050u) << run.describe();
}

// A low soft limit under a high hard one is raised to the hard one: no warning.
TEST(ScanFaults, SoftDescriptorLimitIsRaisedToTheHardLimit) {
  ScanRun run = scan_with_nofile("64:4096", descriptor_targets());
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  EXPECT_FALSE(contains(run.err(), "exceeds the descriptor limit")) << run.err();
  EXPECT_EQ(run.records.size(), 2050u);
}

// Lines of random bytes (NULs, control bytes, bytes above 0x7F), none of them a target.
std::string binary_garbage(int lines) {
  std::mt19937 rng(20261127);
  std::string out;
  for (int i = 0; i < lines; ++i) {
    out += '\xff';
    int n = static_cast<int>(rng() % 200);
    for (int j = 0; j < n; ++j) {
      char b = static_cast<char>(rng() & 0xff);
      out += b == '\n' ? '\0' : b;
    }
    out += '\n';
  }
  return out;
}

TEST(ScanFaults, BinaryGarbageInputReportsEachLineAndExits2) {
  std::string path = write_file("garbage.txt", binary_garbage(300));
  ScanRun run = scan({"-i", path});
  EXPECT_EQ(run.exit_code(), 2) << run.describe();
  EXPECT_TRUE(run.process.out.empty()) << run.process.out;
  EXPECT_TRUE(contains(run.err(), path + ":1: skipped")) << run.describe();
  EXPECT_TRUE(contains(run.err(), path + ":300: skipped")) << run.describe();
  EXPECT_TRUE(contains(run.err(), "no valid target")) << run.describe();
}

TEST(ScanFaults, BinaryGarbageAroundAValidTargetScansIt) {
  const Fleet& f = fleet();
  std::string text = binary_garbage(100) + f.ip("closed") + "\n" + binary_garbage(100);
  std::string path = write_file("garbage_and_target.txt", text);
  ScanRun run = scan({"-i", path});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 1u) << run.describe();
  EXPECT_EQ(run.records[0].str("/target"), f.ip("closed"));
  EXPECT_TRUE(contains(run.err(), path + ":102: skipped")) << "line numbers go on after it";
}

TEST(ScanFaults, TenMegabyteLineIsSkippedAndTheNextLineScanned) {
  const Fleet& f = fleet();
  std::string text = std::string(10 << 20, 'a') + "\n" + f.ip("closed") + "\n";
  std::string path = write_file("long_line.txt", text);
  ScanRun run = scan({"-i", path});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 1u) << run.describe();
  EXPECT_TRUE(contains(run.err(), path + ":1: skipped: line too long")) << run.err();
  EXPECT_LT(run.err().size(), 10000u) << "the long line is not echoed back";
}

TEST(ScanFaults, CrlfLineEndingsAreAccepted) {
  const Fleet& f = fleet();
  std::string text =
      "# targets from Windows\r\n" + f.ip("closed") + "\r\n" + f.host("valid") + "\r\n\r\n";
  std::string path = write_file("crlf.txt", text);
  ScanRun run = scan({"-i", path});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 2u) << run.describe();
  EXPECT_FALSE(contains(run.err(), "skipped")) << run.err();
  std::set<std::string> targets;
  for (const Record& r : run.records) targets.insert(r.str("/target"));
  EXPECT_EQ(targets, (std::set<std::string>{f.ip("closed"), f.host("valid")}));
}

TEST(ScanFaults, EmptyInputFileIsAnInputErrorExit2) {
  std::string path = write_file("empty.txt", "");
  ScanRun run = scan({"-i", path});
  EXPECT_EQ(run.exit_code(), 2) << run.describe();
  EXPECT_TRUE(run.process.out.empty());
  EXPECT_TRUE(contains(run.err(), "no valid target")) << run.err();
}

// A producer that trickles targets (`tail -f`, a generator, a queue consumer) must not hold
// back the records of the targets it already gave: SCHEMA.md promises each record "as
// soon as that endpoint is done". Today the worker reads stdin on its event loop, inside
// the plan's batch of 64, so the first endpoint is not even started until 63 more lines
// or EOF arrive (and endpoints in flight stall while it waits). Disabled until the plan
// reads input off the loop thread; run with --gtest_also_run_disabled_tests.
// A scan reading targets from a pipe its test holds open: the generator on stdin.
class StdinScan {
 public:
  StdinScan() {
    std::vector<std::string> args = {tlsfleet_binary(), "scan", "--no-progress",
                                     "--timeout",       "1",    "-p",
                                     fleet().port(),    "-i",   "-"};
    int in[2], out[2], devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = start_process(args, in[0], out[1], devnull);
    close(devnull);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~StdinScan() {
    close_stdin();
    if (stdout_ >= 0) close(stdout_);
    if (pid_ > 0 && status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0 && stdin_ >= 0; }
  pid_t pid() const { return pid_; }
  bool send(const std::string& line) {
    std::string text = line + "\n";
    return write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  // Whether a record is ready to read within the time given.
  bool output_within(int ms) {
    pollfd readable{stdout_, POLLIN, 0};
    return poll(&readable, 1, ms) == 1;
  }
  void close_stdin() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
  }
  // Everything written until the scanner closes its output, and its exit status.
  std::string read_all() {
    std::string got;
    char buffer[4096];
    ssize_t n;
    while ((n = read(stdout_, buffer, sizeof buffer)) > 0)
      got.append(buffer, static_cast<size_t>(n));
    return got;
  }
  // The exit status, waiting at most `limit`; -1 when the scanner is still running then.
  int wait_exit(std::chrono::milliseconds limit) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return status_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int status_ = -1;
};

// A generator that writes a target and then thinks for a while: the target's record must
// not wait for the next line.
TEST(ScanFaults, SlowStdinDoesNotHoldBackFinishedRecords) {
  StdinScan scan;
  ASSERT_TRUE(scan.started());
  ASSERT_TRUE(scan.send(fleet().ip("closed")));
  // The closed port is refused at once; its record is due well within 3 s, while stdin
  // stays open with nothing more in it.
  bool ready = scan.output_within(3000);
  scan.close_stdin();  // EOF: the scan can end either way
  std::string got = scan.read_all();
  EXPECT_EQ(scan.wait_exit(std::chrono::seconds(10)), 0);
  EXPECT_TRUE(ready) << "no record within 3 s of its target; the scanner waited for more input";
  EXPECT_TRUE(contains(got, "CONNECTION_REFUSED")) << got;
}

// Ctrl-C while the generator is silent: the scan stops reading and exits at once with the
// interrupted status, the finished record written.
TEST(ScanFaults, InterruptWhileStdinIsSilentExitsAtOnce) {
  StdinScan scan;
  ASSERT_TRUE(scan.started());
  ASSERT_TRUE(scan.send(fleet().ip("closed")));
  ASSERT_TRUE(scan.output_within(3000)) << "no record for the first target";
  ASSERT_EQ(kill(scan.pid(), SIGINT), 0);
  // stdin is still open: only the interrupt can end this scan.
  EXPECT_EQ(scan.wait_exit(std::chrono::seconds(5)), 130)
      << "the scan did not end within 5 s of SIGINT while waiting for input";
  EXPECT_TRUE(contains(scan.read_all(), "CONNECTION_REFUSED"));
}

}  // namespace
}  // namespace tlsfleet::integration
