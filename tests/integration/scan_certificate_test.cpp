// Broken leaf certificates: expired, not yet valid, self-signed, issued for another name,
// and a 1024-bit RSA key. The handshake completes in each case (status ok): what is
// wrong is reported in cert, chain and findings.
#include <gtest/gtest.h>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

TEST(ScanCertificate, Expired) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("expired")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(r->str("/cert/subject"), leaf_subject("expired.test"));
  EXPECT_EQ(normalize_hex(r->str("/cert/sha256")), f.sha256("expired"));
  int64_t days_left = r->integer("/cert/days_left");
  EXPECT_LT(days_left, 0);
  EXPECT_GE(days_left, -31) << "fleet.sh makes it expire 30 days ago";
  EXPECT_LT(r->str("/cert/not_after"), r->str("/ts"));
  expect_served(*r, {f.sha256("expired"), f.intermediate_sha256()});
  EXPECT_FALSE(r->boolean("/chain/trusted"));
  auto verify_error = r->str_or_null("/chain/verify_error");
  ASSERT_TRUE(verify_error.has_value());
  EXPECT_NE(verify_error->find("expired"), std::string::npos) << *verify_error;
  EXPECT_TRUE(r->boolean("/chain/complete"));
  EXPECT_TRUE(r->boolean("/chain/ordered"));
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
  expect_finding(*r, "CERT_EXPIRED", "certificate");
  expect_no_finding(*r, "CERT_NOT_YET_VALID");
}

TEST(ScanCertificate, NotYetValid) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("notyet")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(normalize_hex(r->str("/cert/sha256")), f.sha256("notyet"));
  EXPECT_GT(r->str("/cert/not_before"), r->str("/ts"));
  EXPECT_GT(r->integer("/cert/days_left"), 0);
  EXPECT_FALSE(r->boolean("/chain/trusted"));
  auto verify_error = r->str_or_null("/chain/verify_error");
  ASSERT_TRUE(verify_error.has_value());
  EXPECT_NE(verify_error->find("not yet valid"), std::string::npos) << *verify_error;
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
  expect_finding(*r, "CERT_NOT_YET_VALID", "certificate");
  expect_no_finding(*r, "CERT_EXPIRED");
}

TEST(ScanCertificate, SelfSigned) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("selfsigned")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(r->str("/cert/subject"), leaf_subject("selfsigned.test"));
  EXPECT_EQ(r->str("/cert/issuer"), leaf_subject("selfsigned.test"));
  EXPECT_TRUE(r->boolean("/cert/self_signed"));
  expect_served(*r, {f.sha256("selfsigned")});
  EXPECT_FALSE(r->boolean("/chain/trusted"));
  EXPECT_TRUE(r->str_or_null("/chain/verify_error").has_value());
  EXPECT_TRUE(r->boolean("/chain/hostname_match"));
  expect_finding(*r, "CERT_SELF_SIGNED", "certificate");
}

TEST(ScanCertificate, WrongName) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("wrongname")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  ASSERT_EQ(r->str("/status"), "ok") << r->line();
  EXPECT_EQ(r->str_or_null("/sni"), "wrongname.test");
  EXPECT_EQ(r->str("/cert/subject"), leaf_subject(f.cert_name("wrongname")));
  expect_same_set(r->strings("/cert/san"), {"elsewhere.test"}, "cert.san");
  // The chain itself is fine: trust and name are separate verdicts.
  EXPECT_TRUE(r->boolean("/chain/trusted"));
  EXPECT_FALSE(r->boolean("/chain/hostname_match"));
  expect_finding(*r, "CERT_HOSTNAME_MISMATCH", "certificate");
  expect_no_finding(*r, "CERT_EXPIRED");
}

TEST(ScanCertificate, WeakRsaKey) {
  const Fleet& f = fleet();
  ScanRun run = scan({f.host("weakkey")});
  const Record* r = single_record(run);
  ASSERT_NE(r, nullptr);

  ASSERT_EQ(r->str("/status"), "ok")
      << "a scanner must still talk to a 1024-bit server: " << r->line();
  EXPECT_EQ(normalize_hex(r->str("/cert/sha256")), f.sha256("weakkey"));
  EXPECT_EQ(r->str("/cert/key/type"), "RSA");
  EXPECT_EQ(r->integer("/cert/key/bits"), 1024);
  EXPECT_EQ(r->str("/cert/sig_alg"), "ecdsa-with-SHA256") << "signed by the EC intermediate";
  expect_served(*r, {f.sha256("weakkey"), f.intermediate_sha256()});
  expect_finding(*r, "CERT_WEAK_KEY", "certificate");
}

}  // namespace
}  // namespace tlsfleet::integration
