#include "tls/cert_analysis.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/tls/test_pki.h"

namespace tlsfleet::tls {
namespace {

using test::CertSpec;
using test::issue;
using test::kDay;
using test::keys;
using test::kNow;

// The SHA-256 of the DER computed the long way, independently of X509_digest.
std::string der_sha256(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  OpensslStringPtr owner(reinterpret_cast<char*>(der));
  EXPECT_GT(len, 0);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EXPECT_EQ(EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha256(), nullptr), 1);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < md_len; ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", md[i]);
    hex += byte;
  }
  return hex;
}

// What a TLS client holds: the certificate as parsed from its DER.
X509Ptr round_trip(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  OpensslStringPtr owner(reinterpret_cast<char*>(der));
  const unsigned char* p = der;
  return X509Ptr(len > 0 ? d2i_X509(nullptr, &p, len) : nullptr);
}

class CertAnalysisTest : public ::testing::Test {
 protected:
  X509Ptr root_ = issue(test::root_spec(), keys().root.get());
  X509Ptr intermediate_ =
      issue(test::intermediate_spec(), keys().intermediate.get(), root_.get(), keys().root.get());

  X509Ptr leaf(const CertSpec& spec, EVP_PKEY* key) {
    return issue(spec, key, intermediate_.get(), keys().intermediate.get());
  }
};

TEST_F(CertAnalysisTest, DescribesEveryFieldOfAnRsaLeaf) {
  CertSpec spec = test::leaf_spec();
  spec.subject = {{"C", "US"}, {"O", "Example Corp"}, {"CN", "www.example.test"}};
  spec.serial_hex = "0A1B2C";
  spec.not_before = 1767225600;  // 2026-01-01T00:00:00Z
  spec.not_after = 1798761599;   // 2026-12-31T23:59:59Z
  X509Ptr cert = round_trip(leaf(spec, keys().leaf.get()).get());
  ASSERT_NE(cert, nullptr);

  const CertInfo info = analyze_cert(cert.get(), kNow);
  EXPECT_EQ(info.subject, "CN=www.example.test,O=Example Corp,C=US");
  EXPECT_EQ(info.issuer, "CN=Test Intermediate,O=tlsfleet test");
  EXPECT_EQ(info.serial, "0A1B2C");
  EXPECT_EQ(info.not_before, "2026-01-01T00:00:00Z");
  EXPECT_EQ(info.not_after, "2026-12-31T23:59:59Z");
  EXPECT_EQ(info.not_before_unix, 1767225600);
  EXPECT_EQ(info.not_after_unix, 1798761599);
  EXPECT_EQ(info.days_left, 213);  // 213.99998 days
  EXPECT_EQ(info.san, (std::vector<std::string>{"www.example.test", "192.0.2.10", "2001:db8::10"}));
  EXPECT_EQ(info.key.type, "RSA");
  EXPECT_EQ(info.key.bits, 2048);
  EXPECT_FALSE(info.key.curve.has_value());
  EXPECT_EQ(info.sig_alg, "sha256WithRSAEncryption");
  EXPECT_EQ(info.sha256, der_sha256(cert.get()));
  EXPECT_EQ(info.sha256.size(), 64u);
  EXPECT_FALSE(info.self_signed);
  EXPECT_FALSE(info.ocsp_responder);
}

TEST_F(CertAnalysisTest, DaysLeftRoundsDownEvenWhenExpired) {
  CertSpec spec = test::leaf_spec();
  spec.not_after = kNow + kDay / 2;
  EXPECT_EQ(analyze_cert(leaf(spec, keys().leaf.get()).get(), kNow).days_left, 0);
  spec.not_after = kNow - kDay / 2;
  spec.not_before = kNow - 10 * kDay;
  EXPECT_EQ(analyze_cert(leaf(spec, keys().leaf.get()).get(), kNow).days_left, -1);
  spec.not_after = kNow - 12 * kDay;
  EXPECT_EQ(analyze_cert(leaf(spec, keys().leaf.get()).get(), kNow).days_left, -12);
}

TEST_F(CertAnalysisTest, ReadsGeneralizedTimeAndPre2000UtcTime) {
  CertSpec spec = test::leaf_spec();
  spec.not_before = 946684799;  // UTCTime 991231235959Z
  spec.not_after = 2698317045;  // GeneralizedTime 20550704123045Z
  const CertInfo info = analyze_cert(leaf(spec, keys().leaf.get()).get(), kNow);
  EXPECT_EQ(info.not_before, "1999-12-31T23:59:59Z");
  EXPECT_EQ(info.not_before_unix, 946684799);
  EXPECT_EQ(info.not_after, "2055-07-04T12:30:45Z");
  EXPECT_EQ(info.not_after_unix, 2698317045);
}

TEST_F(CertAnalysisTest, SerialIsUpperCaseHexOfWholeBytes) {
  CertSpec spec = test::leaf_spec();
  spec.serial_hex = "7fedcba9876543210fedcba9876543210fedcba9";  // 20 bytes, the maximum
  EXPECT_EQ(analyze_cert(leaf(spec, keys().leaf.get()).get(), kNow).serial,
            "7FEDCBA9876543210FEDCBA9876543210FEDCBA9");
}

TEST_F(CertAnalysisTest, KeyTypesBitsAndCurves) {
  const CertSpec spec = test::leaf_spec();
  const KeyInfo rsa1024 = analyze_cert(leaf(spec, keys().rsa1024.get()).get(), kNow).key;
  EXPECT_EQ(rsa1024.type, "RSA");
  EXPECT_EQ(rsa1024.bits, 1024);

  const KeyInfo p256 = analyze_cert(leaf(spec, keys().ec_p256.get()).get(), kNow).key;
  EXPECT_EQ(p256.type, "EC");
  EXPECT_EQ(p256.bits, 256);
  EXPECT_EQ(p256.curve, "prime256v1");

  const KeyInfo p384 = analyze_cert(leaf(spec, keys().ec_p384.get()).get(), kNow).key;
  EXPECT_EQ(p384.bits, 384);
  EXPECT_EQ(p384.curve, "secp384r1");

  const KeyInfo ed25519 = analyze_cert(leaf(spec, keys().ed25519.get()).get(), kNow).key;
  EXPECT_EQ(ed25519.type, "Ed25519");
  EXPECT_EQ(ed25519.bits, 256);
  EXPECT_FALSE(ed25519.curve.has_value());

  const KeyInfo ed448 = analyze_cert(leaf(spec, keys().ed448.get()).get(), kNow).key;
  EXPECT_EQ(ed448.type, "Ed448");
  EXPECT_EQ(ed448.bits, 456);
}

TEST_F(CertAnalysisTest, SignatureAlgorithmsByLongName) {
  CertSpec spec = test::leaf_spec();
  spec.digest = EVP_sha1();
  EXPECT_EQ(analyze_cert(leaf(spec, keys().leaf.get()).get(), kNow).sig_alg,
            "sha1WithRSAEncryption");
  spec.digest = EVP_sha384();
  X509Ptr ec_root = issue(test::root_spec(), keys().ec_p256.get());
  X509Ptr by_ec = issue(spec, keys().leaf.get(), ec_root.get(), keys().ec_p256.get());
  EXPECT_EQ(analyze_cert(by_ec.get(), kNow).sig_alg, "ecdsa-with-SHA384");
  X509Ptr by_ed = issue(test::leaf_spec(), keys().ed25519.get());  // self-signed
  EXPECT_EQ(analyze_cert(by_ed.get(), kNow).sig_alg, "ED25519");
}

TEST_F(CertAnalysisTest, SelfSignedOnlyForRootsAndSelfIssuedLeaves) {
  EXPECT_TRUE(analyze_cert(root_.get(), kNow).self_signed);
  EXPECT_FALSE(analyze_cert(intermediate_.get(), kNow).self_signed);
  X509Ptr self = issue(test::leaf_spec(), keys().leaf.get());
  const CertInfo info = analyze_cert(self.get(), kNow);
  EXPECT_TRUE(info.self_signed);
  EXPECT_EQ(info.subject, info.issuer);
}

TEST_F(CertAnalysisTest, HostileSubjectIsEscapedButHighBytesPassThrough) {
  CertSpec spec = test::leaf_spec();
  const std::string hostile = std::string(
      "a\"b\nc\x01"
      "d\xff\xfe,e+f<g>;h\\i caf\xc3\xa9");
  spec.subject = {{"CN", hostile, V_ASN1_UTF8STRING}};
  X509Ptr cert = leaf(spec, keys().leaf.get());
  const CertInfo info = analyze_cert(cert.get(), kNow);
  // RFC 4514 specials get a backslash, control bytes become \XX, bytes above 0x7F stay raw
  // (the invalid 0xFF 0xFE too: output/ replaces them; valid UTF-8 stays readable).
  EXPECT_EQ(info.subject,
            std::string("CN=a\\\"b\\0Ac\\01d\xff\xfe\\,e\\+f\\<g\\>\\;h\\\\i caf\xc3\xa9"));
  EXPECT_EQ(info.subject.find('\n'), std::string::npos);
  EXPECT_EQ(info.sha256, der_sha256(cert.get()));
}

TEST_F(CertAnalysisTest, OpenSslRefusesToParseInvalidUtf8InAName) {
  // Why the hostile-subject test works on the in-memory certificate: OpenSSL 3.0's parser
  // rejects such a name outright, so a handshake carrying it fails before analysis.
  CertSpec spec = test::leaf_spec();
  spec.subject = {{"CN", "bad\xff", V_ASN1_UTF8STRING}};
  EXPECT_EQ(round_trip(leaf(spec, keys().leaf.get()).get()), nullptr);
  ERR_clear_error();
}

TEST_F(CertAnalysisTest, HighBytesOfALegacyStringTypeArriveAsLatin1) {
  // A NumericString is not validated by the parser, so any bytes arrive from the wire; the
  // one-byte string types are read as Latin-1 and converted, so 0xFF becomes U+00FF.
  CertSpec spec = test::leaf_spec();
  spec.subject = {{"CN", "1\xff\n2", V_ASN1_NUMERICSTRING}};
  X509Ptr cert = round_trip(leaf(spec, keys().leaf.get()).get());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(analyze_cert(cert.get(), kNow).subject, "CN=1\xc3\xbf\\0A2");
}

TEST_F(CertAnalysisTest, ValidHostileSubjectSurvivesTheWire) {
  CertSpec spec = test::leaf_spec();
  spec.subject = {{"O", "#lead"}, {"CN", " x\r\ny\" OR 1=1; --\x7f"}};
  X509Ptr cert = round_trip(leaf(spec, keys().leaf.get()).get());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(analyze_cert(cert.get(), kNow).subject,
            "CN=\\ x\\0D\\0Ay\\\" OR 1=1\\; --\\7F,O=\\#lead");
}

TEST_F(CertAnalysisTest, SubjectAltNamesInOrderWithCanonicalAddresses) {
  CertSpec spec = test::leaf_spec();
  spec.san = {"DNS:a.example.test",     "IP:192.0.2.1",
              "email:ops@example.test", "IP:2001:0DB8:0000:0000:0000:0000:0000:0001",
              "DNS:*.b.example.test",   "IP:::ffff:198.51.100.7"};
  X509Ptr cert = round_trip(leaf(spec, keys().leaf.get()).get());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(analyze_cert(cert.get(), kNow).san,
            (std::vector<std::string>{"a.example.test", "192.0.2.1", "2001:db8::1",
                                      "*.b.example.test", "::ffff:198.51.100.7"}));
}

TEST_F(CertAnalysisTest, HostileSanBytesArePassedOnVerbatim) {
  CertSpec spec = test::leaf_spec();
  spec.san = {"DNS:evil\n\"x\xff.example.test"};
  X509Ptr cert = leaf(spec, keys().leaf.get());
  EXPECT_EQ(analyze_cert(cert.get(), kNow).san,
            std::vector<std::string>{"evil\n\"x\xff.example.test"});
}

TEST_F(CertAnalysisTest, TenThousandSubjectAltNames) {
  CertSpec spec = test::leaf_spec();
  spec.san.clear();
  for (int i = 0; i < 10000; ++i) spec.san.push_back("DNS:host" + std::to_string(i) + ".test");
  X509Ptr cert = round_trip(leaf(spec, keys().leaf.get()).get());
  ASSERT_NE(cert, nullptr);
  const CertInfo info = analyze_cert(cert.get(), kNow);
  ASSERT_EQ(info.san.size(), 10000u);
  EXPECT_EQ(info.san.front(), "host0.test");
  EXPECT_EQ(info.san[5000], "host5000.test");
  EXPECT_EQ(info.san.back(), "host9999.test");
}

TEST_F(CertAnalysisTest, MalformedSanExtensionYieldsNoNames) {
  X509Ptr cert = leaf(test::leaf_spec(), keys().leaf.get());
  const unsigned char junk[] = {0x30, 0x05, 0x82, 0x09, 'x', 0x00, 0xff};  // lengths lie
  Asn1StringPtr data(ASN1_OCTET_STRING_new());
  ASSERT_EQ(ASN1_OCTET_STRING_set(data.get(), junk, sizeof(junk)), 1);
  X509ExtensionPtr ext(X509_EXTENSION_create_by_NID(nullptr, NID_subject_alt_name, 0, data.get()));
  ASSERT_NE(ext, nullptr);
  // The well-formed SAN comes first; a second SAN extension makes both ambiguous.
  ASSERT_EQ(X509_add_ext(cert.get(), ext.get(), -1), 1);
  const CertInfo info = analyze_cert(cert.get(), kNow);
  EXPECT_TRUE(info.san.empty());
  EXPECT_EQ(info.subject, "CN=www.example.test");
}

// Flipped bytes in a real certificate: whatever OpenSSL still parses must analyse without a
// crash (the sanitizer build catches memory errors) and keep its DER fingerprint.
TEST_F(CertAnalysisTest, CorruptedCertificatesNeverCrash) {
  CertSpec spec = test::leaf_spec();
  spec.subject = {{"O", "Example Corp"}, {"CN", "www.example.test"}};
  spec.ocsp_url = "http://ocsp.example.test";
  X509Ptr cert = leaf(spec, keys().ec_p256.get());
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  OpensslStringPtr owner(reinterpret_cast<char*>(der));
  ASSERT_GT(len, 0);
  uint32_t state = 12345;  // a fixed LCG: the same corruptions on every run
  auto next = [&state] { return state = state * 1103515245u + 12345u; };
  int parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<unsigned char> copy(der, der + len);
    for (int flips = 1 + next() % 3; flips > 0; --flips) {
      copy[next() % copy.size()] ^= static_cast<unsigned char>(1u << (next() % 8));
    }
    const unsigned char* p = copy.data();
    X509Ptr mutated(d2i_X509(nullptr, &p, static_cast<long>(copy.size())));
    if (!mutated) continue;
    ++parsed;
    const CertInfo info = analyze_cert(mutated.get(), kNow);
    EXPECT_EQ(info.sha256.size(), 64u);
    describe_served_cert(mutated.get());
  }
  ERR_clear_error();
  EXPECT_GT(parsed, 100);  // the loop really exercised parsed-but-odd certificates
}

TEST_F(CertAnalysisTest, NoticesAnOcspResponder) {
  CertSpec spec = test::leaf_spec();
  spec.ocsp_url = "http://ocsp.example.test";
  EXPECT_TRUE(analyze_cert(leaf(spec, keys().leaf.get()).get(), kNow).ocsp_responder);
}

TEST_F(CertAnalysisTest, EmptyCertificateYieldsEmptyFieldsNotACrash) {
  X509Ptr empty(X509_new());  // no names, no times, no key, no signature algorithm
  ASSERT_NE(empty, nullptr);
  const CertInfo info = analyze_cert(empty.get(), kNow);
  EXPECT_EQ(info.subject, "");
  EXPECT_EQ(info.issuer, "");
  EXPECT_EQ(info.not_before, "");
  EXPECT_EQ(info.not_after, "");
  EXPECT_EQ(info.not_after_unix, 0);
  EXPECT_EQ(info.days_left, 0);
  EXPECT_TRUE(info.san.empty());
  EXPECT_EQ(info.key.type, "unknown");
  EXPECT_EQ(info.key.bits, 0);
  EXPECT_FALSE(info.self_signed);
  const ServedCert served = describe_served_cert(empty.get());
  EXPECT_EQ(served.subject, "");
  EXPECT_EQ(served.not_after, "");
}

TEST_F(CertAnalysisTest, NullCertificateYieldsDefaults) {
  const CertInfo info = analyze_cert(nullptr, kNow);
  EXPECT_TRUE(info.subject.empty());
  EXPECT_TRUE(info.sha256.empty());
  EXPECT_TRUE(describe_served_cert(nullptr).sha256.empty());
}

TEST_F(CertAnalysisTest, LeavesTheCallersErrorQueueAlone) {
  ERR_clear_error();
  ERR_raise(ERR_LIB_USER, 42);
  const unsigned long callers = ERR_peek_last_error();
  X509Ptr empty(X509_new());
  analyze_cert(empty.get(), kNow);  // provokes parse errors of its own
  describe_served_cert(empty.get());
  EXPECT_EQ(ERR_get_error(), callers);
  EXPECT_EQ(ERR_get_error(), 0u);
}

TEST_F(CertAnalysisTest, DescribesAServedCertificate) {
  CertSpec spec = test::intermediate_spec();
  spec.not_before = 1767225600;  // 2026-01-01T00:00:00Z
  spec.not_after = 1798761599;   // 2026-12-31T23:59:59Z
  spec.digest = EVP_sha1();
  X509Ptr cert = issue(spec, keys().intermediate.get(), root_.get(), keys().root.get());
  const ServedCert served = describe_served_cert(cert.get());
  EXPECT_EQ(served.subject, "CN=Test Intermediate,O=tlsfleet test");
  EXPECT_EQ(served.issuer, "CN=Test Root,O=tlsfleet test");
  EXPECT_EQ(served.sha256, der_sha256(cert.get()));
  EXPECT_EQ(served.not_after, "2026-12-31T23:59:59Z");
  EXPECT_EQ(served.not_after_unix, 1798761599);
  EXPECT_EQ(served.not_before_unix, 1767225600);
  EXPECT_EQ(served.sig_alg, "sha1WithRSAEncryption");
  EXPECT_FALSE(served.self_signed);
  EXPECT_TRUE(describe_served_cert(root_.get()).self_signed);
}

// What the cache of descriptions must not change: a certificate described again (the same
// object, or the same DER parsed anew, as every endpoint of a fleet serves it) reads the
// same, days_left still counts from the time of asking, and describe_served_cert first
// (as analyze_chain runs on a leaf) leaves nothing out of a later analyze_cert.
TEST_F(CertAnalysisTest, DescribingAgainGivesTheSameFacts) {
  CertSpec spec = test::leaf_spec();
  spec.san = {"DNS:www.example.test", "IP:192.0.2.7"};
  spec.ocsp_url = "http://ocsp.example.test";
  X509Ptr first = round_trip(leaf(spec, keys().ec_p256.get()).get());
  ASSERT_NE(first, nullptr);
  const ServedCert served = describe_served_cert(first.get());
  const CertInfo info = analyze_cert(first.get(), kNow);
  EXPECT_EQ(info.subject, served.subject);
  EXPECT_EQ(info.issuer, served.issuer);
  EXPECT_EQ(info.sha256, served.sha256);
  EXPECT_EQ(info.sha256, der_sha256(first.get()));
  EXPECT_EQ(info.not_after, served.not_after);
  EXPECT_EQ(info.not_after_unix, served.not_after_unix);
  EXPECT_EQ(info.not_before_unix, served.not_before_unix);
  EXPECT_EQ(info.sig_alg, served.sig_alg);
  EXPECT_EQ(info.self_signed, served.self_signed);
  EXPECT_EQ(info.san, (std::vector<std::string>{"www.example.test", "192.0.2.7"}));
  EXPECT_EQ(info.key.type, "EC");
  EXPECT_TRUE(info.ocsp_responder);
  EXPECT_FALSE(info.serial.empty());

  X509Ptr again = round_trip(first.get());
  ASSERT_NE(again, nullptr);
  const CertInfo later = analyze_cert(again.get(), kNow + 3 * kDay);
  EXPECT_EQ(later.days_left, info.days_left - 3);
  EXPECT_EQ(later.subject, info.subject);
  EXPECT_EQ(later.serial, info.serial);
  EXPECT_EQ(later.san, info.san);
  EXPECT_EQ(later.sha256, info.sha256);
  EXPECT_EQ(later.key.curve, info.key.curve);
  EXPECT_EQ(later.ocsp_responder, info.ocsp_responder);
  const ServedCert served_again = describe_served_cert(again.get());
  EXPECT_EQ(served_again.sha256, served.sha256);
  EXPECT_EQ(served_again.subject, served.subject);
}

// More distinct certificates than a worker remembers, described twice round: each keeps
// its own facts, whether remembered or described afresh.
TEST_F(CertAnalysisTest, ManyDistinctCertificatesKeepTheirOwnFacts) {
  std::vector<X509Ptr> certs;
  for (int i = 0; i < 80; ++i) {
    CertSpec spec = test::leaf_spec();
    spec.subject = {{"CN", "host" + std::to_string(i) + ".example.test"}};
    spec.serial_hex = std::to_string(1000 + i);
    certs.push_back(round_trip(leaf(spec, keys().ec_p256.get()).get()));
    ASSERT_NE(certs.back(), nullptr);
  }
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 80; ++i) {
      X509* cert = certs[static_cast<size_t>(i)].get();
      const std::string cn = "CN=host" + std::to_string(i) + ".example.test";
      EXPECT_EQ(describe_served_cert(cert).subject, cn);
      const CertInfo info = analyze_cert(cert, kNow);
      EXPECT_EQ(info.subject, cn);
      EXPECT_EQ(info.sha256, der_sha256(cert));
    }
  }
}

// Workers are threads: describing the same certificates from several at once is safe and
// gives every one of them the same answer.
TEST_F(CertAnalysisTest, ThreadsDescribeTheSameCertificatesAlike) {
  X509Ptr cert = round_trip(leaf(test::leaf_spec(), keys().leaf.get()).get());
  ASSERT_NE(cert, nullptr);
  const CertInfo expected = analyze_cert(cert.get(), kNow);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        X509Ptr copy = round_trip(cert.get());
        const CertInfo info = analyze_cert(i % 2 == 0 ? cert.get() : copy.get(), kNow);
        const ServedCert served = describe_served_cert(copy.get());
        if (info.subject != expected.subject || info.sha256 != expected.sha256 ||
            info.san != expected.san || served.sha256 != expected.sha256) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace tlsfleet::tls
