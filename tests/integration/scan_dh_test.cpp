// Finite-field DHE primes: the size of the main handshake's prime (tls.dh_bits, any depth),
// the server's own prime the full-depth group enumeration met (tls.dh_custom_bits), and
// KEX_WEAK_DH below 2048 bits. weakdh is openssl s_server with RFC 5114's 1024-bit prime,
// dheonly gnutls-serv with the RFC 7919 groups, valid nginx with ECDHE only.
#include <gtest/gtest.h>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

ScanOptions at_depth(const std::string& depth) {
  ScanOptions options;
  options.depth = depth;
  return options;
}

TEST(ScanDh, CustomPrimeIsSizedAndWeakAtBasicDepth) {
  ScanRun run = scan({fleet().host("weakdh")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr) << run.describe();
  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(r->str("/tls/version"), "TLSv1.2") << r->line();
  EXPECT_NE(r->str("/tls/cipher").find("_DHE_"), std::string::npos) << r->line();
  EXPECT_EQ(r->str_or_null("/tls/group"), std::nullopt) << "no RFC 7919 group: " << r->line();
  EXPECT_EQ(r->integer("/tls/dh_bits"), 1024) << r->line();
  EXPECT_FALSE(r->has("/tls/dh_custom_bits")) << "depth full only: " << r->line();
  expect_finding(*r, "KEX_WEAK_DH", "cipher");
  const auto weak = r->finding("KEX_WEAK_DH");
  ASSERT_TRUE(weak) << r->line();
  EXPECT_EQ(weak->severity, "medium") << r->line();
}

TEST(ScanDh, FullDepthReportsTheServersOwnPrime) {
  ScanRun run = scan({fleet().host("weakdh")}, at_depth("full"));
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr) << run.describe();
  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(r->integer("/tls/dh_bits"), 1024) << r->line();
  EXPECT_EQ(r->integer("/tls/dh_custom_bits"), 1024) << r->line();
  const auto weak = r->finding("KEX_WEAK_DH");
  ASSERT_TRUE(weak) << r->line();
  EXPECT_EQ(weak->severity, "medium") << r->line();
}

TEST(ScanDh, Rfc7919GroupIsNamedSizedAndNotWeak) {
  ScanRun run = scan({fleet().host("dheonly")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr) << run.describe();
  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  const std::optional<std::string> group = r->str_or_null("/tls/group");
  ASSERT_TRUE(group) << r->line();
  EXPECT_EQ(group->rfind("ffdhe", 0), 0u) << r->line();
  EXPECT_GE(r->integer("/tls/dh_bits"), 2048) << r->line();
  expect_no_finding(*r, "KEX_WEAK_DH");
}

// No DHE negotiated: no size, and no claim about DH either way.
TEST(ScanDh, EcdheServerHasNoDhFields) {
  for (const char* depth : {"basic", "full"}) {
    ScanRun run = scan({fleet().host("valid")}, at_depth(depth));
    const Record* r = single_record(run);
    ASSERT_NE(r, nullptr) << run.describe();
    ASSERT_EQ(r->str("/status"), "ok") << r->line();
    EXPECT_FALSE(r->has("/tls/dh_bits")) << depth << ": " << r->line();
    EXPECT_FALSE(r->has("/tls/dh_custom_bits")) << depth << ": " << r->line();
    expect_no_finding(*r, "KEX_WEAK_DH");
  }
}

}  // namespace
}  // namespace tlsfleet::integration
