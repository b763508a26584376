// Depth full on every TLS server of the fleet: the record lists suites for exactly the
// accepted versions, decides every protocol version, and costs no more connections than
// issue 3 allows: accepted suites + accepted versions + accepted groups + 6.
#include <gtest/gtest.h>

#include <set>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

const char* const kAllVersions[] = {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

int64_t count_suites(const Record& r) {
  int64_t n = 0;
  simdjson::dom::object ciphers;
  if (r.root()["tls"]["ciphers"].get(ciphers)) return -1;
  for (auto field : ciphers) n += static_cast<int64_t>(simdjson::dom::array(field.value).size());
  return n;
}

TEST(ScanFull, EveryFleetServerWithinTheConnectionBudget) {
  const Fleet& f = fleet();
  const std::vector<std::string> scenarios = {
      "valid",      "valid2",     "expired",    "notyet",    "selfsigned", "wrongname", "noint",
      "misordered", "weakkey",    "haproxy",    "legacy",    "legacyonly", "tls12",     "tls13",
      "weakcipher", "serverpref", "clientpref", "strictsni", "crtlist",    "resumeoff", "resumeon",
      "ocsp",       "nostaple",   "dheonly",    "weakdh"};
  std::vector<std::string> targets;
  for (const std::string& s : scenarios) targets.push_back(f.host(s));
  ScanOptions options;
  options.depth = "full";
  ScanRun run = scan(targets, options);
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), scenarios.size()) << run.describe();
  for (const std::string& scenario : scenarios) {
    const Record* r = run.by_target(f.host(scenario));
    ASSERT_NE(r, nullptr) << scenario;
    ASSERT_TRUE(r->has("/tls/protocols")) << "every version decided: " << r->line();
    int64_t versions = 0;
    std::set<std::string> accepted;
    for (const char* v : kAllVersions) {
      const std::string pointer = std::string("/tls/protocols/") + v;
      ASSERT_TRUE(r->has(pointer)) << v << ": " << r->line();
      if (r->boolean(pointer)) {
        ++versions;
        accepted.insert(v);
      }
    }
    ASSERT_TRUE(r->has("/tls/ciphers")) << "enumeration complete: " << r->line();
    simdjson::dom::object ciphers;
    ASSERT_FALSE(r->root()["tls"]["ciphers"].get(ciphers));
    std::set<std::string> listed;
    for (auto field : ciphers) {
      listed.insert(std::string(field.key));
      EXPECT_FALSE(simdjson::dom::array(field.value).size() == 0)
          << field.key << " accepted with no suite: " << r->line();
    }
    EXPECT_EQ(listed, accepted) << "suites for exactly the accepted versions: " << r->line();
    EXPECT_TRUE(r->has("/tls/server_preference")) << r->line();
    const int64_t suites = count_suites(*r);
    // No TLS 1.2 or 1.3, no group enumeration (legacyonly).
    const int64_t groups =
        r->has("/tls/groups") ? static_cast<int64_t>(r->strings("/tls/groups").size()) : 0;
    int64_t budget = suites + versions + groups + 6;
    EXPECT_LE(r->integer("/connections"), budget)
        << scenario << ": " << suites << " suites, " << versions << " versions, " << groups
        << " groups: " << r->line();
    std::printf("%-12s connections %3lld  A %3lld  V %lld  G %2lld  A+V+G+6 %3lld\n",
                scenario.c_str(), static_cast<long long>(r->integer("/connections")),
                static_cast<long long>(suites), static_cast<long long>(versions),
                static_cast<long long>(groups),
                static_cast<long long>(suites + versions + groups + 6));
  }
  // The shapes the chain has to get right.
  const Record* legacy = run.by_target(f.host("legacy"));
  ASSERT_NE(legacy, nullptr);
  for (const char* v : {"TLSv1.0", "TLSv1.1", "TLSv1.2"}) {
    EXPECT_TRUE(legacy->boolean(std::string("/tls/protocols/") + v)) << v;
  }
  EXPECT_FALSE(legacy->boolean("/tls/protocols/TLSv1.3"));
  EXPECT_FALSE(legacy->boolean("/tls/protocols/SSLv3"));
  const Record* modern = run.by_target(f.host("valid"));
  ASSERT_NE(modern, nullptr);
  for (const char* v : {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"}) {
    EXPECT_FALSE(modern->boolean(std::string("/tls/protocols/") + v)) << v;
  }
}

// TLS 1.2 only, DHE only (gnutls-serv, RFC 7919 groups ffdhe2048 and ffdhe3072): the
// groups come from the ServerKeyExchange's prime, the main handshake names its group too.
TEST(ScanFull, DheOnlyServerListsItsFfdheGroups) {
  const Fleet& f = fleet();
  ScanOptions options;
  options.depth = "full";
  ScanRun run = scan({f.host("dheonly")}, options);
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 1u) << run.describe();
  const Record& r = run.records[0];
  EXPECT_EQ(r.str("/status"), "ok") << r.line();
  EXPECT_EQ(r.str("/tls/version"), "TLSv1.2") << r.line();
  EXPECT_EQ(r.str_or_null("/tls/group"), "ffdhe2048") << r.line();
  ASSERT_TRUE(r.has("/tls/groups")) << r.line();
  EXPECT_EQ(r.strings("/tls/groups"), (std::vector<std::string>{"ffdhe2048", "ffdhe3072"}))
      << r.line();
  for (const std::string& suite : r.strings("/tls/ciphers/TLSv1.2")) {
    EXPECT_NE(suite.find("_DHE_"), std::string::npos) << suite;
  }
}

}  // namespace
}  // namespace tlsfleet::integration
