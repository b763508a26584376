// A server that goes away between probes: `openssl s_server -naccept 1` serves the main
// handshake and exits, so every later probe is refused. The record keeps what the main
// handshake found, leaves out what no probe decided, and says why in
// tls.probes_incomplete — absence of a probe is never read as absence of a problem.
#include <gtest/gtest.h>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/hostile_servers.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

TEST(ProbesIncomplete, ServerGoneAfterTheMainHandshakeIsSaidInTheRecord) {
  const Fleet& f = fleet();
  // Beside the hostile servers' block, on an address none of them uses.
  const std::string ip = hostile_net() + ".240";
  const std::string pki = f.dir() + "/pki/";
  const std::string script =
      "openssl s_server -quiet -accept " + ip + ":4433 -cert " + pki + "valid.served.pem -key " +
      pki +
      "valid.key -naccept 1 >/dev/null 2>&1 & server=$!; "
      // Ready when it listens; a probe connection would use up its one accept.
      "for i in $(seq 100); do ss -ltn | grep -q '" +
      ip + ":4433 ' && break; sleep 0.05; done; " + tlsfleet_binary() +
      " scan --no-progress -q --depth standard --timeout 3 --sni " + f.host("valid") +
      " --ca-file " + f.ca_file() + " " + ip + ":4433; rc=$?; kill $server 2>/dev/null; exit $rc";
  ProcessResult p = run_process({"/bin/bash", "-c", script}, "", std::chrono::seconds(60));
  ASSERT_EQ(p.exit_code, 0) << p.describe();
  std::string error;
  auto r = Record::parse(p.out.substr(0, p.out.find('\n')), &error);
  ASSERT_TRUE(r) << error << ": " << p.out;
  EXPECT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(r->str("/tls/version"), "TLSv1.3") << "the main handshake's findings are kept";
  EXPECT_FALSE(r->has("/tls/protocols")) << "no probe decided the versions: " << r->line();
  EXPECT_FALSE(r->has("/tls/resumption")) << r->line();
  ASSERT_TRUE(r->has("/tls/probes_incomplete")) << r->line();
  EXPECT_EQ(r->str("/tls/probes_incomplete/code"), "CONNECTION_REFUSED") << r->line();
  EXPECT_FALSE(r->str("/tls/probes_incomplete/probe").empty());
  EXPECT_NE(r->str("/tls/probes_incomplete/detail").find("could not connect"), std::string::npos);
  EXPECT_GE(r->integer("/connections"), 2);
  for (const char* id : {"RESUMPTION_UNSUPPORTED", "PROTOCOL_LEGACY_ENABLED", "PROTOCOL_NO_MODERN",
                         "SNI_REQUIRED"}) {
    EXPECT_EQ(r->line().find(id), std::string::npos) << id << " without the probe that decides it";
  }
}

}  // namespace
}  // namespace tlsfleet::integration
