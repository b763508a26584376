// The foundation's scale promise: a sweep of 127.0.0.0/16 on a closed port writes 65,536
// records, all connect_error, every line valid JSON, within a bounded peak RSS. The sweep
// runs in a private network namespace when we may make one (root), so it touches nothing
// but its own loopback; otherwise on the host's loopback, on a port nothing listens on.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

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
  ProcessResult probe = run_process({"/usr/bin/unshare", "-n", "/bin/true"}, "",
                                    std::chrono::seconds(10));
  return probe.exit_code == 0;
}

TEST(Sweep, Slash16OnAClosedPortWritesEveryRecordInBoundedMemory) {
  std::string out_path = fleet().dir() + "/sweep.ndjson";
  std::string command = "exec /usr/bin/time -v " + tlsfleet_binary() +
                        " scan 127.0.0.0/16 -p " + std::to_string(kClosedPort) +
                        " --timeout 3 --no-progress -o " + out_path;
  std::vector<std::string> argv;
  if (can_unshare()) {
    argv = {"/usr/bin/unshare", "-n", "/bin/sh", "-c",
            "ip link set lo up && " + command};
  } else {
    argv = {"/bin/sh", "-c", command};
  }
  ProcessResult run = run_process(argv, "", std::chrono::seconds(240));
  ASSERT_EQ(run.exit_code, 0) << run.describe();

  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.err, m, std::regex(R"(Maximum resident set size \(kbytes\): (\d+))")))
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

}  // namespace
}  // namespace tlsfleet::integration
