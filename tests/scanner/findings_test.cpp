#include "scanner/findings.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace tlsfleet::scanner {
namespace {

using tls::VerifyOutcome;

constexpr int64_t kNow = 1780272000;  // 2026-06-01T00:00:00Z
constexpr int64_t kDay = 86400;

FindingOptions options() {
  FindingOptions o;
  o.now_unix = kNow;
  return o;
}

tls::ServedCert served(const std::string& subject, const std::string& issuer) {
  tls::ServedCert c;
  c.subject = subject;
  c.issuer = issuer;
  c.sha256 = std::string(64, 'a');
  c.not_after = "2027-03-28T00:00:00Z";
  c.not_after_unix = kNow + 300 * kDay;
  c.not_before_unix = kNow - 30 * kDay;
  c.sig_alg = "sha256WithRSAEncryption";
  return c;
}

// An endpoint with nothing wrong, at basic depth: every test breaks one thing.
EndpointResult healthy() {
  EndpointResult r;
  r.target = "www.example.test";
  r.host = "www.example.test";
  r.ip = "192.0.2.10";
  r.port = 443;
  r.sni = "www.example.test";
  TlsInfo tls;
  tls.version = "TLSv1.3";
  tls.cipher = "TLS_AES_128_GCM_SHA256";
  tls.group = "X25519";
  r.tls = tls;
  tls::CertInfo cert;
  cert.subject = "CN=www.example.test";
  cert.issuer = "CN=Test Intermediate";
  cert.serial = "1000";
  cert.not_before = "2026-05-02T00:00:00Z";
  cert.not_before_unix = kNow - 30 * kDay;
  cert.not_after = "2027-03-28T00:00:00Z";
  cert.not_after_unix = kNow + 300 * kDay;
  cert.days_left = 300;
  cert.san = {"www.example.test"};
  cert.key = {"RSA", 2048, std::nullopt};
  cert.sig_alg = "sha256WithRSAEncryption";
  cert.sha256 = std::string(64, 'a');
  r.cert = cert;
  tls::ChainInfo chain;
  chain.served = {served("CN=www.example.test", "CN=Test Intermediate"),
                  served("CN=Test Intermediate", "CN=Test Root")};
  chain.trusted = true;
  chain.outcome = VerifyOutcome::kTrusted;
  chain.complete = true;
  chain.ordered = true;
  chain.hostname_match = true;
  r.chain = chain;
  return r;
}

// The same endpoint probed at full depth, still with nothing wrong.
EndpointResult healthy_full() {
  EndpointResult r = healthy();
  r.tls->protocols =
      std::map<std::string, bool>{{"SSLv2", false},   {"SSLv3", false},  {"TLSv1.0", false},
                                  {"TLSv1.1", false}, {"TLSv1.2", true}, {"TLSv1.3", true}};
  r.tls->resumption = Resumption{true, true};
  r.tls->sni_required = false;
  r.tls->ocsp_stapled = true;
  r.tls->ciphers = std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"TLSv1.2",
       {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"}},
      {"TLSv1.3", {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"}}};
  r.tls->groups = std::vector<std::string>{"X25519MLKEM768", "x25519", "secp256r1"};
  r.cert->ocsp_responder = true;
  return r;
}

std::vector<std::string> ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(f.id);
  return out;
}

std::vector<std::string> ids_of(const EndpointResult& r, FindingOptions o = options()) {
  return ids(evaluate_findings(r, o));
}

Finding only(const EndpointResult& r, FindingOptions o = options()) {
  const std::vector<Finding> findings = evaluate_findings(r, o);
  EXPECT_EQ(findings.size(), 1u) << ::testing::PrintToString(ids(findings));
  return findings.empty() ? Finding{} : findings.front();
}

using Ids = std::vector<std::string>;

TEST(FindingsTest, HealthyEndpointHasNoFinding) {
  EXPECT_EQ(ids_of(healthy()), Ids{});
  FindingOptions o = options();
  o.report_ocsp_not_stapled = true;
  EXPECT_EQ(ids_of(healthy_full(), o), Ids{});
}

TEST(FindingsTest, NoDataNoFinding) {
  EXPECT_EQ(ids_of(EndpointResult{}), Ids{});
  EndpointResult refused;
  refused.status = Status::kConnectError;
  refused.error = EndpointError{ErrorStage::kConnect, "CONNECTION_REFUSED", "refused"};
  EXPECT_EQ(ids_of(refused), Ids{});
}

TEST(FindingsTest, ExpiredLeaf) {
  EndpointResult r = healthy();
  r.cert->not_after = "2026-05-19T23:00:00Z";
  r.cert->not_after_unix = kNow - 12 * kDay - 3600;
  r.chain->served[0].not_after_unix = r.cert->not_after_unix;
  r.chain->trusted = false;
  r.chain->outcome = VerifyOutcome::kExpired;
  r.chain->verify_error = "certificate has expired";
  const Finding f = only(r);  // neither CERT_UNTRUSTED nor CERT_EXPIRES_SOON
  EXPECT_EQ(f.id, "CERT_EXPIRED");
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.cause, "certificate");
  EXPECT_EQ(f.detail, "expired 2026-05-19T23:00:00Z (12 days ago)");
}

TEST(FindingsTest, ExpiryBoundaries) {
  EndpointResult r = healthy();
  r.cert->not_after_unix = kNow;  // valid through this very second
  EXPECT_EQ(ids_of(r), Ids{"CERT_EXPIRES_SOON"});
  r.cert->not_after_unix = kNow - 1;
  EXPECT_EQ(ids_of(r), Ids{"CERT_EXPIRED"});
  EXPECT_NE(only(r).detail.find("less than a day ago"), std::string::npos);
  r.cert->not_after.clear();  // unparseable: nothing decided
  EXPECT_EQ(ids_of(r), Ids{});
  r.cert.reset();
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, NotYetValidLeaf) {
  EndpointResult r = healthy();
  r.cert->not_before = "2026-06-04T00:00:00Z";
  r.cert->not_before_unix = kNow + 3 * kDay;
  r.chain->trusted = false;
  r.chain->outcome = VerifyOutcome::kNotYetValid;
  const Finding f = only(r);
  EXPECT_EQ(f.id, "CERT_NOT_YET_VALID");
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.detail, "not valid before 2026-06-04T00:00:00Z (in 3 days)");
}

TEST(FindingsTest, ExpiresSoonWithinTheWindowOnly) {
  EndpointResult r = healthy();
  r.cert->not_after = "2026-06-13T00:00:00Z";
  r.cert->not_after_unix = kNow + 12 * kDay;
  const Finding f = only(r);
  EXPECT_EQ(f.id, "CERT_EXPIRES_SOON");
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.detail, "expires 2026-06-13T00:00:00Z (in 12 days; warning window 30 days)");

  FindingOptions narrow = options();
  narrow.expiry_warn_days = 10;
  EXPECT_EQ(ids_of(r, narrow), Ids{});
  FindingOptions off = options();
  off.expiry_warn_days = 0;
  EXPECT_EQ(ids_of(r, off), Ids{});
  r.cert->not_after_unix = kNow + 30 * kDay;
  EXPECT_EQ(ids_of(r), Ids{});
  r.cert->not_after_unix = kNow + 30 * kDay - 1;
  EXPECT_EQ(ids_of(r), Ids{"CERT_EXPIRES_SOON"});
}

TEST(FindingsTest, SelfSignedLeaf) {
  EndpointResult r = healthy();
  r.cert->self_signed = true;
  r.cert->issuer = r.cert->subject;
  r.chain->served = {served("CN=www.example.test", "CN=www.example.test")};
  r.chain->served[0].self_signed = true;
  r.chain->trusted = false;
  r.chain->outcome = VerifyOutcome::kSelfSigned;
  r.chain->verify_error = "self-signed certificate";
  const Finding f = only(r);
  EXPECT_EQ(f.id, "CERT_SELF_SIGNED");
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.detail, "the leaf CN=www.example.test is self-signed and not a trust anchor");

  r.chain->trusted = true;  // pinned in the configured store
  r.chain->outcome = VerifyOutcome::kTrusted;
  EXPECT_EQ(ids_of(r), Ids{});
  r.chain.reset();  // the certificate alone decides it
  EXPECT_EQ(ids_of(r), Ids{"CERT_SELF_SIGNED"});
}

TEST(FindingsTest, UntrustedOnlyWhenNothingMoreSpecificExplainsIt) {
  EndpointResult r = healthy();
  r.chain->trusted = false;
  r.chain->outcome = VerifyOutcome::kUntrustedRoot;
  r.chain->verify_error = "self-signed certificate in certificate chain";
  Finding f = only(r);
  EXPECT_EQ(f.id, "CERT_UNTRUSTED");
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.detail,
            "the chain ends in a root the trust store does not hold (self-signed certificate "
            "in certificate chain)");

  r.chain->outcome = VerifyOutcome::kOther;
  r.chain->verify_error = "certificate signature failure";
  EXPECT_EQ(only(r).detail, "the chain does not verify: certificate signature failure");

  r.chain->outcome = VerifyOutcome::kIncomplete;
  r.chain->complete = false;
  EXPECT_EQ(ids_of(r), Ids{"CHAIN_INCOMPLETE"});

  // Expired, but neither the leaf nor a served intermediate: a store certificate expired,
  // which no other finding names.
  r.chain->complete = true;
  r.chain->outcome = VerifyOutcome::kExpired;
  r.chain->verify_error = "certificate has expired";
  EXPECT_EQ(ids_of(r), Ids{"CERT_UNTRUSTED"});
  r.chain->outcome = VerifyOutcome::kNotYetValid;
  EXPECT_EQ(ids_of(r), Ids{"CERT_UNTRUSTED"});

  r.chain.reset();
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, HostnameMismatch) {
  EndpointResult r = healthy();
  r.cert->san = {"a.example.test", "b.example.test"};
  r.chain->hostname_match = false;
  const Finding f = only(r);
  EXPECT_EQ(f.id, "CERT_HOSTNAME_MISMATCH");
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.detail,
            "the leaf does not cover www.example.test; it names a.example.test, b.example.test");

  r.sni = "api.example.test";  // an SNI override is what the leaf was matched against
  EXPECT_EQ(only(r).detail.rfind("the leaf does not cover api.example.test;", 0), 0u);
  r.sni.reset();  // an address target
  r.host.reset();
  r.cert->san.clear();
  for (int i = 0; i < 20; ++i) r.cert->san.push_back("h" + std::to_string(i));
  EXPECT_EQ(only(r).detail,
            "the leaf does not cover 192.0.2.10; it names h0, h1, h2, h3, h4, h5, h6, h7 and 12 "
            "more");

  r.chain->hostname_match = std::nullopt;  // nothing to match
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, WeakKeys) {
  EndpointResult r = healthy();
  r.cert->key = {"RSA", 1024, std::nullopt};
  Finding f = only(r);
  EXPECT_EQ(f.id, "CERT_WEAK_KEY");
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.detail, "RSA 1024-bit key");
  r.cert->key = {"DSA", 1024, std::nullopt};
  EXPECT_EQ(ids_of(r), Ids{"CERT_WEAK_KEY"});
  r.cert->key = {"EC", 192, "prime192v1"};
  EXPECT_EQ(only(r).detail, "EC 192-bit key (prime192v1)");

  for (const tls::KeyInfo& strong :
       {tls::KeyInfo{"RSA", 2048, std::nullopt}, tls::KeyInfo{"EC", 224, "secp224r1"},
        tls::KeyInfo{"EC", 256, "prime256v1"}, tls::KeyInfo{"Ed25519", 256, std::nullopt},
        tls::KeyInfo{"unknown", 0, std::nullopt}}) {
    r.cert->key = strong;
    EXPECT_EQ(ids_of(r), Ids{}) << strong.type << " " << strong.bits;
  }
}

TEST(FindingsTest, WeakSignaturesOnServedNonRootCertificates) {
  EndpointResult r = healthy();
  r.chain->served[1].sig_alg = "md5WithRSAEncryption";
  Finding f = only(r);
  EXPECT_EQ(f.id, "CERT_WEAK_SIGNATURE");
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.detail, "CN=Test Intermediate signed with md5WithRSAEncryption");

  r.chain->served[1].sig_alg = "sha256WithRSAEncryption";
  r.chain->served.push_back(served("CN=Test Root", "CN=Test Root"));
  r.chain->served[2].self_signed = true;
  r.chain->served[2].sig_alg = "sha1WithRSAEncryption";  // a root's signature is never checked
  EXPECT_EQ(ids_of(r), Ids{});

  for (const char* weak :
       {"sha1WithRSAEncryption", "ecdsa-with-SHA1", "dsaWithSHA1", "shaWithRSAEncryption"}) {
    r.chain->served[0].sig_alg = weak;
    EXPECT_EQ(ids_of(r), Ids{"CERT_WEAK_SIGNATURE"}) << weak;
  }
  for (const char* strong : {"ecdsa-with-SHA256", "dsa_with_SHA256", "ED25519", "rsassaPss"}) {
    r.chain->served[0].sig_alg = strong;
    EXPECT_EQ(ids_of(r), Ids{}) << strong;
  }

  r.chain.reset();  // without the chain, the leaf's own signature still counts
  r.cert->sig_alg = "sha1WithRSAEncryption";
  EXPECT_EQ(ids_of(r), Ids{"CERT_WEAK_SIGNATURE"});
}

TEST(FindingsTest, IncompleteChain) {
  EndpointResult r = healthy();
  r.chain->served.resize(1);
  r.chain->complete = false;  // trusted only thanks to tlsfleet's store
  Finding f = only(r);
  EXPECT_EQ(f.id, "CHAIN_INCOMPLETE");
  EXPECT_EQ(f.cause, "chain");
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_NE(f.detail.find("the server sent 1 certificate (leaf issued by CN=Test Intermediate)"),
            std::string::npos);
  EXPECT_NE(f.detail.find("trust store"), std::string::npos);

  r.chain->trusted = false;
  r.chain->outcome = VerifyOutcome::kIncomplete;
  r.chain->verify_error = "unable to get local issuer certificate";
  EXPECT_NE(only(r).detail.find("(unable to get local issuer certificate)"), std::string::npos);

  r.chain->served.clear();  // nothing served: nothing to judge
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, MisorderedChain) {
  EndpointResult r = healthy();
  r.chain->served = {served("CN=www.example.test", "CN=Test Intermediate"),
                     served("CN=Test Root", "CN=Test Root"),
                     served("CN=Test Intermediate", "CN=Test Root")};
  r.chain->ordered = false;
  const Finding f = only(r);
  EXPECT_EQ(f.id, "CHAIN_MISORDERED");
  EXPECT_EQ(f.severity, Severity::kLow);
  EXPECT_EQ(f.detail,
            "served order: [0] CN=www.example.test, [1] CN=Test Root, [2] CN=Test "
            "Intermediate; each certificate must be followed by its issuer");
  r.chain->served.resize(1);  // a lone leaf cannot be out of order
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, ExpiredIntermediate) {
  EndpointResult r = healthy();
  r.chain->served[1].not_after = "2026-05-29T00:00:00Z";
  r.chain->served[1].not_after_unix = kNow - 3 * kDay;
  r.chain->trusted = false;
  r.chain->outcome = VerifyOutcome::kExpired;
  const Finding f = only(r);  // not CERT_EXPIRED (the leaf is fine), not CERT_UNTRUSTED
  EXPECT_EQ(f.id, "CHAIN_EXPIRED_INTERMEDIATE");
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.detail, "CN=Test Intermediate expired 2026-05-29T00:00:00Z (3 days ago)");

  EndpointResult leaf_only = healthy();  // an expired leaf is not an intermediate
  leaf_only.chain->served[0].not_after_unix = kNow - kDay;
  EXPECT_EQ(ids_of(leaf_only), Ids{});
}

TEST(FindingsTest, PlaintextOnTlsPort) {
  EndpointResult r;
  r.port = 8443;
  r.status = Status::kNotTls;
  r.error = EndpointError{ErrorStage::kTls, "PLAINTEXT_HTTP", "HTTP/1.1 400 Bad Request"};
  const Finding f = only(r);
  EXPECT_EQ(f.id, "PLAINTEXT_ON_TLS_PORT");
  EXPECT_EQ(f.cause, "backend");
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.detail, "port 8443 answered the ClientHello in clear-text HTTP");
  r.error->code = "NOT_TLS";
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, LegacyAndModernProtocols) {
  EndpointResult r = healthy_full();
  (*r.tls->protocols)["SSLv3"] = true;
  (*r.tls->protocols)["TLSv1.0"] = true;
  Finding f = only(r);
  EXPECT_EQ(f.id, "PROTOCOL_LEGACY_ENABLED");
  EXPECT_EQ(f.cause, "protocol");
  EXPECT_EQ(f.detail, "accepted: SSLv3, TLSv1.0");

  (*r.tls->protocols)["TLSv1.2"] = false;
  (*r.tls->protocols)["TLSv1.3"] = false;
  EXPECT_EQ(ids_of(r), (Ids{"PROTOCOL_LEGACY_ENABLED", "PROTOCOL_NO_MODERN"}));
  EXPECT_EQ(evaluate_findings(r, options())[1].detail,
            "neither TLSv1.2 nor TLSv1.3 accepted; accepted: SSLv3, TLSv1.0");

  r.tls->protocols->erase("TLSv1.3");  // not probed: no verdict on modern versions
  EXPECT_EQ(ids_of(r), Ids{"PROTOCOL_LEGACY_ENABLED"});
  r.tls->protocols.reset();  // basic depth
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, WeakAndStaticRsaSuites) {
  EndpointResult r = healthy();
  r.tls->version = "TLSv1.2";
  r.tls->cipher = "TLS_RSA_WITH_RC4_128_SHA";  // negotiated at basic depth
  EXPECT_EQ(ids_of(r), (Ids{"CIPHER_WEAK", "CIPHER_NO_FORWARD_SECRECY"}));

  r = healthy_full();
  r.tls->ciphers->front().second.push_back("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA");
  r.tls->ciphers->front().second.push_back("TLS_ECDH_anon_WITH_AES_128_CBC_SHA");
  Finding f = only(r);
  EXPECT_EQ(f.id, "CIPHER_WEAK");
  EXPECT_EQ(f.cause, "cipher");
  EXPECT_EQ(f.detail,
            "accepted: TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, TLS_ECDH_anon_WITH_AES_128_CBC_SHA");

  r = healthy_full();
  r.tls->ciphers->front().second.push_back("TLS_RSA_WITH_AES_128_GCM_SHA256");
  f = only(r);
  EXPECT_EQ(f.id, "CIPHER_NO_FORWARD_SECRECY");
  EXPECT_EQ(f.detail, "accepted: TLS_RSA_WITH_AES_128_GCM_SHA256");
}

TEST(FindingsTest, PostQuantumKeyExchange) {
  EndpointResult r = healthy_full();
  r.tls->groups = std::vector<std::string>{"x25519", "secp256r1"};
  const Finding f = only(r);
  EXPECT_EQ(f.id, "KEX_NOT_POST_QUANTUM");
  EXPECT_EQ(f.severity, Severity::kInfo);
  EXPECT_EQ(f.detail, "accepted groups: x25519, secp256r1");
  r.tls->groups = std::vector<std::string>{"SecP256r1MLKEM768"};
  EXPECT_EQ(ids_of(r), Ids{});
}

// Decided only from a DHE prime actually seen: the main handshake's (any depth) or the
// server's own one met by the full-depth group enumeration.
TEST(FindingsTest, WeakDhPrime) {
  EndpointResult r = healthy();
  r.tls->version = "TLSv1.2";
  r.tls->cipher = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";
  r.tls->group.reset();
  r.tls->dh_bits = 1024;
  Finding f = only(r);
  EXPECT_EQ(f.id, "KEX_WEAK_DH");
  EXPECT_EQ(f.cause, "cipher");
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.detail, "the main handshake's DHE prime is 1024 bits; below 2048 bits (Logjam)");
  r.tls->dh_bits = 2047;
  EXPECT_EQ(only(r).severity, Severity::kMedium);
  r.tls->dh_bits = 1023;
  EXPECT_EQ(only(r).severity, Severity::kHigh);
  r.tls->dh_bits = 512;
  EXPECT_EQ(only(r).severity, Severity::kHigh);
  r.tls->dh_bits = 2048;
  EXPECT_EQ(ids_of(r), Ids{});
  r.tls->dh_bits.reset();  // no DHE negotiated: nothing is claimed either way
  EXPECT_EQ(ids_of(r), Ids{});

  // Full depth: the main handshake chose ECDHE, the enumeration met the server's own prime.
  r = healthy_full();
  r.tls->dh_custom_bits = 1024;
  f = only(r);
  EXPECT_EQ(f.id, "KEX_WEAK_DH");
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.detail, "the server's own DHE prime is 1024 bits; below 2048 bits (Logjam)");
  r.tls->dh_custom_bits = 768;
  EXPECT_EQ(only(r).severity, Severity::kHigh);
  r.tls->group.reset();  // the main handshake drew the same prime: named once
  r.tls->dh_bits = 768;
  EXPECT_EQ(only(r).detail, "the main handshake's DHE prime is 768 bits; below 2048 bits (Logjam)");
  r.tls->group = "X25519";
  r.tls->dh_bits = 2048;  // the weakest prime seen decides
  EXPECT_EQ(only(r).severity, Severity::kHigh);
  r.tls->dh_custom_bits = 4096;
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, SniRequired) {
  EndpointResult r = healthy();
  r.tls->sni_required = true;
  const Finding f = only(r);
  EXPECT_EQ(f.id, "SNI_REQUIRED");
  EXPECT_EQ(f.cause, "sni");
  EXPECT_EQ(f.severity, Severity::kInfo);
  r.tls->sni_required = false;
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, ResumptionUnsupported) {
  EndpointResult r = healthy();
  r.tls->resumption = Resumption{false, false};
  const Finding f = only(r);
  EXPECT_EQ(f.id, "RESUMPTION_UNSUPPORTED");
  EXPECT_EQ(f.cause, "session");
  r.tls->resumption = Resumption{false, true};
  EXPECT_EQ(ids_of(r), Ids{});
  r.tls->resumption = Resumption{true, false};
  EXPECT_EQ(ids_of(r), Ids{});
}

TEST(FindingsTest, OcspNotStapledOnlyWhenAskedForAndPossible) {
  EndpointResult r = healthy_full();
  r.tls->ocsp_stapled = false;
  EXPECT_EQ(ids_of(r), Ids{});  // off by default
  FindingOptions o = options();
  o.report_ocsp_not_stapled = true;
  const Finding f = only(r, o);
  EXPECT_EQ(f.id, "OCSP_NOT_STAPLED");
  EXPECT_EQ(f.severity, Severity::kInfo);
  r.cert->ocsp_responder = false;  // nothing a server could staple
  EXPECT_EQ(ids_of(r, o), Ids{});
}

// Every finding any scenario produces carries a schema cause and a fix naming both
// nginx and HAProxy; every id appears once per record.
TEST(FindingsTest, EveryRuleHasCauseDetailAndNginxHaproxyFix) {
  EndpointResult bad = healthy_full();
  bad.cert->not_after_unix = kNow - kDay;
  bad.cert->key = {"RSA", 1024, std::nullopt};
  bad.cert->sig_alg = "sha1WithRSAEncryption";
  bad.chain->served[0].sig_alg = "sha1WithRSAEncryption";
  bad.chain->served[1].not_after_unix = kNow - kDay;
  bad.chain->trusted = false;
  bad.chain->outcome = VerifyOutcome::kOther;
  bad.chain->complete = false;
  bad.chain->ordered = false;
  bad.chain->hostname_match = false;
  bad.tls->protocols =
      std::map<std::string, bool>{{"SSLv3", true}, {"TLSv1.2", false}, {"TLSv1.3", false}};
  bad.tls->cipher = "TLS_RSA_WITH_RC4_128_SHA";
  bad.tls->groups = std::vector<std::string>{"x25519"};
  bad.tls->dh_bits = 1024;
  bad.tls->sni_required = true;
  bad.tls->resumption = Resumption{false, false};
  bad.tls->ocsp_stapled = false;
  bad.error = EndpointError{ErrorStage::kTls, "PLAINTEXT_HTTP", "HTTP"};
  EndpointResult early = healthy();
  early.cert->not_before_unix = kNow + kDay;
  EndpointResult soon = healthy();
  soon.cert->not_after_unix = kNow + kDay;
  EndpointResult self = healthy();
  self.cert->self_signed = true;
  self.chain.reset();

  FindingOptions o = options();
  o.report_ocsp_not_stapled = true;
  const std::set<std::string> causes = {"certificate", "chain",   "protocol", "cipher",
                                        "sni",         "backend", "session",  "transport"};
  std::set<std::string> seen;
  for (const EndpointResult& r : {bad, early, soon, self}) {
    std::set<std::string> in_record;
    for (const Finding& f : evaluate_findings(r, o)) {
      EXPECT_TRUE(in_record.insert(f.id).second) << "duplicate " << f.id;
      EXPECT_TRUE(causes.count(f.cause)) << f.id;
      EXPECT_FALSE(f.detail.empty()) << f.id;
      EXPECT_NE(f.fix.find("nginx"), std::string::npos) << f.id;
      EXPECT_NE(f.fix.find("HAProxy"), std::string::npos) << f.id;
      seen.insert(f.id);
    }
  }
  EXPECT_EQ(seen.size(), 21u) << ::testing::PrintToString(seen);
}

}  // namespace
}  // namespace tlsfleet::scanner
