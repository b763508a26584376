// Healthy servers: nginx and HAProxy serving leaf + intermediate with a stapled OCSP
// response, scanned by name through the fleet's DNS server and trusted via --ca-file.
// Every field the schema promises is checked against what fleet.sh generated.
#include <gtest/gtest.h>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

TEST(ScanValid, NginxFullChainRecordFieldByField) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("valid")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->str("/status"), "ok") << r->line();

  EXPECT_EQ(r->str("/target"), "valid.test");
  EXPECT_EQ(r->str_or_null("/host"), "valid.test");
  EXPECT_EQ(r->str_or_null("/ip"), f.ip("valid"));
  EXPECT_EQ(r->integer("/port"), std::stoi(f.port()));
  EXPECT_EQ(r->str_or_null("/sni"), "valid.test");
  EXPECT_TRUE(r->is_null("/error"));
  for (const char* stage : {"/timing_ms/dns", "/timing_ms/connect", "/timing_ms/handshake"}) {
    EXPECT_TRUE(r->has(stage)) << stage << " missing: every stage was reached";
  }
  EXPECT_EQ(r->integer("/connections"), 1) << "depth basic is one handshake";

  EXPECT_EQ(r->str("/tls/version"), "TLSv1.3");
  expect_tls13_cipher(*r);
  EXPECT_TRUE(r->str_or_null("/tls/group").has_value()) << "a TLS 1.3 handshake has a group";
  EXPECT_EQ(r->str_or_null("/tls/alpn"), "h2");
  EXPECT_TRUE(r->boolean("/tls/ocsp_stapled"));

  EXPECT_EQ(r->str("/cert/subject"), leaf_subject("valid.test"));
  EXPECT_EQ(r->str("/cert/issuer"), kIntermediateSubject);
  EXPECT_EQ(normalize_hex(r->str("/cert/serial"), true), normalize_hex(f.serial("valid"), true));
  int64_t days_left = r->integer("/cert/days_left");
  EXPECT_GE(days_left, 363);
  EXPECT_LE(days_left, 365);
  EXPECT_LT(r->str("/cert/not_before"), r->str("/ts"));
  EXPECT_GT(r->str("/cert/not_after"), r->str("/ts"));
  expect_same_set(r->strings("/cert/san"), {"valid.test", "multi.test", f.ip("valid")}, "cert.san");
  EXPECT_EQ(r->str("/cert/key/type"), "EC");
  EXPECT_EQ(r->integer("/cert/key/bits"), 256);
  auto curve = r->str_or_null("/cert/key/curve");
  EXPECT_TRUE(curve == "prime256v1" || curve == "secp256r1" || curve == "P-256")
      << "cert.key.curve " << curve.value_or("null");
  EXPECT_EQ(r->str("/cert/sig_alg"), "ecdsa-with-SHA256");
  EXPECT_EQ(normalize_hex(r->str("/cert/sha256")), f.sha256("valid"));
  EXPECT_FALSE(r->boolean("/cert/self_signed"));

  expect_served(*r, {f.sha256("valid"), f.intermediate_sha256()});
  EXPECT_EQ(r->str("/chain/served/0/subject"), leaf_subject("valid.test"));
  EXPECT_EQ(r->str("/chain/served/0/issuer"), kIntermediateSubject);
  EXPECT_EQ(r->str("/chain/served/0/not_after"), r->str("/cert/not_after"));
  EXPECT_EQ(r->str("/chain/served/1/subject"), kIntermediateSubject);
  EXPECT_EQ(r->str("/chain/served/1/issuer"), kRootSubject);
  EXPECT_TRUE(r->boolean("/chain/trusted"));
  EXPECT_TRUE(r->is_null("/chain/verify_error"));
  EXPECT_TRUE(r->boolean("/chain/complete"));
  EXPECT_TRUE(r->boolean("/chain/ordered"));
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));

  expect_no_findings(*r);
}

TEST(ScanValid, HaproxyFullChain) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("haproxy")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->str("/status"), "ok") << r->line();

  EXPECT_EQ(r->str_or_null("/ip"), f.ip("haproxy"));
  EXPECT_EQ(r->str_or_null("/sni"), "haproxy.test");
  EXPECT_EQ(r->str("/tls/version"), "TLSv1.3");
  expect_tls13_cipher(*r);
  EXPECT_EQ(r->str_or_null("/tls/alpn"), "h2");
  EXPECT_TRUE(r->boolean("/tls/ocsp_stapled"));
  EXPECT_EQ(r->str("/cert/subject"), leaf_subject("haproxy.test"));
  EXPECT_EQ(r->str("/cert/key/type"), "RSA");
  EXPECT_EQ(r->integer("/cert/key/bits"), 2048);
  EXPECT_TRUE(r->is_null("/cert/key/curve"));
  expect_same_set(r->strings("/cert/san"), {"haproxy.test", f.ip("haproxy")}, "cert.san");
  EXPECT_EQ(normalize_hex(r->str("/cert/sha256")), f.sha256("haproxy"));
  expect_served(*r, {f.sha256("haproxy"), f.intermediate_sha256()});
  EXPECT_TRUE(r->boolean("/chain/trusted"));
  EXPECT_TRUE(r->boolean("/chain/complete"));
  EXPECT_TRUE(r->boolean("/chain/ordered"));
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
  expect_no_findings(*r);
}

// ALPN: the client offers h2,http/1.1; nginx with http2 and HAProxy pick h2, nginx without
// http2 picks http/1.1, and openssl s_server selects nothing.
TEST(ScanValid, AlpnSelectedProtocol) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("valid"), f.host("haproxy"), f.host("expired"), f.host("weakkey")});
  EXPECT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_EQ(run.records.size(), 4u) << run.describe();
  const std::pair<const char*, std::optional<std::string>> expected[] = {
      {"valid", "h2"}, {"haproxy", "h2"}, {"expired", "http/1.1"}, {"weakkey", std::nullopt}};
  for (const auto& [scenario, alpn] : expected) {
    const Record* r = run.by_target(f.host(scenario));
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->str("/status"), "ok") << scenario;
    EXPECT_EQ(r->str_or_null("/tls/alpn"), alpn) << scenario;
  }
}

}  // namespace
}  // namespace tlsfleet::integration
