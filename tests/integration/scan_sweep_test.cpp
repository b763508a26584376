// The foundation's scale promise: a sweep of 127.0.0.0/16 on a closed port writes 65,536
// records, all connect_error, every line valid JSON, within a bounded peak RSS. The sweep
// runs in a private network namespace when we may make one (root), so it touches nothing
// but its own loopback; otherwise on the host's loopback, on a port nothing listens on.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/process_runner.h"

namespace tlsfleet::integration {
namespace {

constexpr int kClosedPort = 9;  // discard: not served by the fleet, closed in a new netns
constexpr long kMaxRssKib = 150 * 1024;

bool can_unshare() {
  if (geteuid() != 0) return false;
  ProcessResult probe =
      run_process({"/usr/bin/unshare", "-n", "/bin/true"}, "", std::chrono::seconds(10));
  return probe.exit_code == 0;
}

TEST(Sweep, Slash16OnAClosedPortWritesEveryRecordInBoundedMemory) {
  std::string out_path = fleet().dir() + "/sweep.ndjson";
  std::string command = "exec /usr/bin/time -v " + tlsfleet_binary() + " scan 127.0.0.0/16 -p " +
                        std::to_string(kClosedPort) + " --timeout 3 --no-progress -o " + out_path;
  std::vector<std::string> argv;
  if (can_unshare()) {
    argv = {"/usr/bin/unshare", "-n", "/bin/sh", "-c", "ip link set lo up && " + command};
  } else {
    argv = {"/bin/sh", "-c", command};
  }
  ProcessResult run = run_process(argv, "", std::chrono::seconds(240));
  ASSERT_EQ(run.exit_code, 0) << run.describe();

  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(run.err, m, std::regex(R"(Maximum resident set size \(kbytes\): (\d+))")))
      << run.err;
  long rss_kib = std::stol(m[1]);
  EXPECT_LT(rss_kib, kMaxRssKib) << "peak RSS " << rss_kib << " KiB";
  std::cout << "[ sweep    ] 65,536 endpoints, peak RSS " << rss_kib / 1024 << " MiB\n";

  std::ifstream in(out_path);
  ASSERT_TRUE(in) << out_path;
  simdjson::dom::parser parser;
  std::set<std::string> ips;
  std::string line;
  size_t lines = 0, bad_json = 0, not_refused = 0;
  while (std::getline(in, line)) {
    ++lines;
    simdjson::dom::element record;
    if (parser.parse(line).get(record) != simdjson::SUCCESS || !record.is_object()) {
      ++bad_json;
      continue;
    }
    std::string_view status, code, ip;
    if (record["status"].get(status) || status != "connect_error" ||
        record["error"]["code"].get(code) || code != "CONNECTION_REFUSED") {
      ++not_refused;
    }
    if (!record["ip"].get(ip)) ips.insert(std::string(ip));
  }
  EXPECT_EQ(lines, 65536u);
  EXPECT_EQ(bad_json, 0u);
  EXPECT_EQ(not_refused, 0u);
  EXPECT_EQ(ips.size(), 65536u) << "every address exactly once";
  EXPECT_TRUE(ips.count("127.0.0.0") && ips.count("127.0.255.255"));
  std::remove(out_path.c_str());
}

// Sanitizer builds (scripts/ci_extra.sh) run the same test at a fraction of the speed:
// there the deadline bound is loose, and the release build's run (scripts/test.sh) holds
// it to the issue's 10%.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kLateFactor = 1.5;
#else
constexpr double kLateFactor = 1.1;
#endif

// Thousands of endpoints started together (-c 2000 over 3,072 silent listeners, every one
// accepting and never answering) still close at their 2 s deadline plus 10%: the workers
// start at most a few dozen per loop turn, so the deadline timers are never stuck behind
// a burst of connects and ClientHellos (before that change, 2,000 of them closed up to
// 470 ms late at a 1 s deadline). Needs a private network namespace (root): the listener
// answers on every 127.x address.
TEST(Sweep, ThousandsStartedAtOnceCloseAtTheirDeadline) {
  if (!can_unshare()) GTEST_SKIP() << "needs root for a private network namespace";
  std::string out_path = fleet().dir() + "/deadline.ndjson";
  // Accepts and holds every connection, silent; gone after 60 s whatever happens.
  std::string listener =
      "import socket, time\n"
      "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
      "s.bind(('0.0.0.0', 8443)); s.listen(4096); s.settimeout(0.2)\n"
      "held, end = [], time.time() + 60\n"
      "while time.time() < end:\n"
      "    try: held.append(s.accept()[0])\n"
      "    except OSError: pass\n";
  std::string script =
      "ip link set lo up && ulimit -n 8192 && { python3 -c \"$LISTENER\" & listener=$!; }; "
      "for i in $(seq 100); do python3 -c \"import socket; socket.create_connection(('127.1.0.1', "
      "8443))\" 2>/dev/null && break; sleep 0.1; done; " +
      tlsfleet_binary() +
      " scan 127.1.0.0-127.1.11.255 -p 8443 -c 2000 --per-host 0 --timeout 2 --no-progress -q -o " +
      out_path + "; rc=$?; kill $listener; exit $rc";
  ProcessResult run = run_process(
      {"/usr/bin/env", "LISTENER=" + listener, "/usr/bin/unshare", "-n", "/bin/bash", "-c", script},
      "", std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.describe();

  std::ifstream in(out_path);
  ASSERT_TRUE(in) << out_path;
  simdjson::dom::parser parser;
  std::string line;
  size_t lines = 0, not_timeout = 0, late = 0;
  double latest = 0;
  while (std::getline(in, line)) {
    ++lines;
    simdjson::dom::element record;
    ASSERT_EQ(parser.parse(line).get(record), simdjson::SUCCESS) << line;
    std::string_view status;
    if (record["status"].get(status) || status != "timeout") ++not_timeout;
    double total = 0;
    ASSERT_EQ(record["timing_ms"]["total"].get(total), simdjson::SUCCESS) << line;
    latest = std::max(latest, total);
    if (total > 2000.0 * kLateFactor) ++late;
  }
  EXPECT_EQ(lines, 3072u);
  EXPECT_EQ(not_timeout, 0u) << "a silent listener ends every endpoint at its deadline";
  EXPECT_EQ(late, 0u) << "endpoints closed past their deadline; the latest at " << latest << " ms";
  std::cout << "[ deadline ] 3,072 endpoints at -c 2000: latest closed at " << latest << " ms\n";
  std::remove(out_path.c_str());
}

}  // namespace
}  // namespace tlsfleet::integration
