// `tlsfleet inspect` on the fleet's own PKI files (FLEET_DIR/pki): the files the servers
// serve, checked before deployment, with the same findings and JSON a scan of those
// servers gives.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

std::string pki(const std::string& file) { return fleet().dir() + "/pki/" + file; }

ScanRun inspect(std::vector<std::string> args) {
  args.insert(args.begin(), "inspect");
  return run_tlsfleet(args);
}

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = fleet().dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FleetOpsInspect, GoodCertificateKeyAndChainHaveNoFinding) {
  const Fleet& f = fleet();
  ScanRun run =
      inspect({"--cert", pki("valid.pem"), "--key", pki("valid.key"), "--chain",
               pki("intermediate.pem"), "--ca-file", f.ca_file(), "--host", f.host("valid")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->str("/kind"), "inspect");
  EXPECT_TRUE(r->boolean("/key_matches"));
  EXPECT_EQ(r->str("/cert/sha256"), f.sha256("valid"));
  EXPECT_EQ(r->size("/chain/served"), 2);
  EXPECT_TRUE(r->boolean("/chain/trusted"));
  EXPECT_TRUE(r->boolean("/chain/complete"));
  EXPECT_TRUE(r->boolean("/chain/ordered"));
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
  EXPECT_EQ(r->size("/findings"), 0) << r->line();
}

// HAProxy's crt file: leaf, chain and key in one PEM.
TEST(FleetOpsInspect, HaproxyCombinedPemIsReadWhole) {
  const Fleet& f = fleet();
  ScanRun run = inspect(
      {"--cert", pki("haproxy.bundle.pem"), "--ca-file", f.ca_file(), "--host", f.host("haproxy")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->boolean("/key_matches"));
  EXPECT_EQ(r->str("/files/key"), pki("haproxy.bundle.pem"));
  EXPECT_EQ(r->size("/chain/served"), 2);
  EXPECT_TRUE(r->boolean("/chain/trusted"));
  EXPECT_EQ(r->size("/findings"), 0) << r->line();
}

TEST(FleetOpsInspect, KeyOfAnotherCertificateIsACriticalFinding) {
  const Fleet& f = fleet();
  ScanRun run = inspect({"--cert", pki("valid.served.pem"), "--key", pki("expired.key"),
                         "--ca-file", f.ca_file(), "--fail-on", "critical"});
  EXPECT_EQ(run.exit_code(), 1) << "--fail-on critical trips on the key: " << run.describe();
  ASSERT_EQ(run.records.size(), 1u);
  const Record& r = run.records[0];
  EXPECT_FALSE(r.boolean("/key_matches"));
  auto finding = r.finding("KEY_MISMATCH");
  ASSERT_TRUE(finding) << r.line();
  EXPECT_EQ(finding->severity, "critical");
  EXPECT_EQ(finding->cause, "certificate");
  EXPECT_TRUE(r.is_null("/chain/hostname_match")) << "no --host, nothing to match";
}

TEST(FleetOpsInspect, ScenarioFilesGiveTheScenarioFindings) {
  const Fleet& f = fleet();
  struct Case {
    std::vector<std::string> args;
    std::string finding;
  };
  std::vector<Case> cases = {
      {{"--cert", pki("expired.served.pem"), "--key", pki("expired.key")}, "CERT_EXPIRED"},
      {{"--cert", pki("notyet.served.pem")}, "CERT_NOT_YET_VALID"},
      {{"--cert", pki("selfsigned.pem")}, "CERT_SELF_SIGNED"},
      {{"--cert", pki("misordered.served.pem")}, "CHAIN_MISORDERED"},
      {{"--cert", pki("noint.pem"), "--key", pki("noint.key")}, "CHAIN_INCOMPLETE"},
      {{"--cert", pki("wrongname.served.pem"), "--host", f.host("wrongname")},
       "CERT_HOSTNAME_MISMATCH"},
      {{"--cert", pki("weakkey.served.pem")}, "CERT_WEAK_KEY"},
  };
  for (Case& c : cases) {
    c.args.insert(c.args.end(), {"--ca-file", f.ca_file()});
    ScanRun run = inspect(c.args);
    const Record* r = single_record(run);
    ASSERT_NE(r, nullptr) << c.finding;
    EXPECT_TRUE(r->finding(c.finding)) << c.finding << ": " << r->line();
    EXPECT_FALSE(r->finding("KEY_MISMATCH")) << r->line();
  }
}

// The cert, chain and findings of inspect are the scan's: the same served file, inspected
// and scanned, gives the same objects.
TEST(FleetOpsInspect, SameJsonAsAScanOfTheServerHoldingTheFiles) {
  const Fleet& f = fleet();
  ScanRun scanned = scan({f.host("expired")});
  const Record* s = single_record(scanned);
  ScanRun inspected = inspect(
      {"--cert", pki("expired.served.pem"), "--ca-file", f.ca_file(), "--host", f.host("expired")});
  const Record* i = single_record(inspected);
  ASSERT_TRUE(s && i);
  for (const char* member : {"cert", "chain", "findings"}) {
    EXPECT_EQ(simdjson::minify(s->root()[member]), simdjson::minify(i->root()[member])) << member;
  }
}

TEST(FleetOpsInspect, BadFilesAreClearErrorsWithExitTwo) {
  const std::string garbage = write_file("inspect-garbage.pem", "not a certificate\n");
  std::string pem = read_file(pki("valid.pem"));
  const std::string torn = write_file(
      "inspect-torn.pem", pem.substr(0, pem.size() / 2) + "\n-----END CERTIFICATE-----\n");
  ProcessResult encrypt =
      run_process({"/usr/bin/openssl", "pkey", "-in", pki("valid.key"), "-aes256", "-passout",
                   "pass:x", "-out", fleet().dir() + "/inspect-encrypted.key"},
                  "", std::chrono::seconds(20));
  ASSERT_EQ(encrypt.exit_code, 0) << encrypt.describe();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases = {
      {{"--cert", fleet().dir() + "/no-such.pem"}, "no-such.pem"},
      {{"--cert", garbage}, "holds no certificate"},
      {{"--cert", torn}, "inspect-torn.pem"},
      {{"--cert", pki("valid.pem"), "--key", pki("valid.pem")}, "holds no private key"},
      {{"--cert", pki("valid.pem"), "--key", fleet().dir() + "/inspect-encrypted.key"},
       "encrypted"},
      {{"--cert", pki("valid.pem"), "--chain", garbage}, "holds no certificate"},
      {{"--key", pki("valid.key")}, "--cert"},
  };
  for (const Case& c : cases) {
    ScanRun run = inspect(c.args);
    EXPECT_EQ(run.exit_code(), 2) << c.says << ": " << run.describe();
    EXPECT_TRUE(run.records.empty()) << c.says;
    EXPECT_NE(run.err().find(c.says), std::string::npos) << run.err();
  }
}

}  // namespace
}  // namespace tlsfleet::integration
