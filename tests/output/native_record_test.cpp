// Every record is parsed back with simdjson and checked field by field against SCHEMA.md,
// including which fields are null and which are left out.
#include "output/native_record.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tlsfleet::output {
namespace {

using scanner::EndpointResult;
using simdjson::dom::element;

constexpr int64_t kFinished = 1795802400123;  // 2026-11-27T18:00:00.123Z

// Member by member, so fields the record does not print can be added to ServedCert freely.
tls::ServedCert served_cert(std::string subject, std::string issuer, std::string sha256,
                            std::string not_after) {
  tls::ServedCert served;
  served.subject = std::move(subject);
  served.issuer = std::move(issuer);
  served.sha256 = std::move(sha256);
  served.not_after = std::move(not_after);
  return served;
}

EndpointResult full_result() {
  EndpointResult r;
  r.finished_unix_ms = kFinished;
  r.target = "example.com";
  r.host = "example.com";
  r.ip = "2001:db8::1";
  r.port = 443;
  r.sni = "example.com";
  r.status = scanner::Status::kOk;
  r.timing.dns_ms = 1.5;
  r.timing.connect_ms = 12.345;
  r.timing.handshake_ms = 30.0004;
  r.timing.total_ms = 44.0;
  scanner::TlsInfo tls;
  tls.version = "TLSv1.3";
  tls.cipher = "TLS_AES_128_GCM_SHA256";
  tls.group = "X25519";
  tls.alpn = "h2";
  tls.ocsp_stapled = true;
  tls.protocols =
      std::map<std::string, bool>{{"SSLv2", false},  {"SSLv3", false},  {"TLSv1.0", false},
                                  {"TLSv1.1", true}, {"TLSv1.2", true}, {"TLSv1.3", true}};
  tls.resumption = scanner::Resumption{true, false};
  tls.sni_required = false;
  tls.default_cert_sha256 = std::string(64, 'a');
  tls.default_cert_probed = true;
  tls.ciphers = std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"TLSv1.3", {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"}},
      {"TLSv1.2", {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}},
      {"TLSv1.1", {}}};
  tls.server_preference = true;
  tls.groups = std::vector<std::string>{"x25519", "secp256r1"};
  r.tls = tls;
  tls::CertInfo cert;
  cert.subject = "CN=example.com";
  cert.issuer = "CN=Test Intermediate,O=tlsfleet";
  cert.serial = "0A1B2C";
  cert.not_before = "2026-01-01T00:00:00Z";
  cert.not_after = "2027-01-01T00:00:00Z";
  cert.days_left = -3;
  cert.san = {"example.com", "www.example.com", "192.0.2.7"};
  cert.key.type = "EC";
  cert.key.bits = 256;
  cert.key.curve = "prime256v1";
  cert.sig_alg = "ecdsa-with-SHA256";
  cert.sha256 = std::string(64, 'b');
  cert.self_signed = false;
  r.cert = cert;
  tls::ChainInfo chain;
  chain.served.push_back(served_cert("CN=example.com", "CN=Test Intermediate,O=tlsfleet",
                                     std::string(64, 'b'), "2027-01-01T00:00:00Z"));
  chain.served.push_back(served_cert("CN=Test Intermediate,O=tlsfleet", "CN=Test Root",
                                     std::string(64, 'c'), "2030-01-01T00:00:00Z"));
  chain.trusted = false;
  chain.verify_error = "certificate has expired";
  chain.complete = true;
  chain.ordered = false;
  chain.hostname_match = true;
  r.chain = chain;
  r.findings.push_back({"CERT_EXPIRED", scanner::Severity::kCritical, "certificate",
                        "expired 3 days ago", "renew the certificate"});
  r.findings.push_back({"OCSP_NOT_STAPLED", scanner::Severity::kInfo, "certificate",
                        "no stapled OCSP", "ssl_stapling on;"});
  r.connections = 9;
  return r;
}

EndpointResult dns_failure() {
  EndpointResult r;
  r.finished_unix_ms = kFinished;
  r.target = "nx.example";
  r.host = "nx.example";
  r.port = 443;
  r.sni = "nx.example";
  r.status = scanner::Status::kDnsError;
  r.error = scanner::EndpointError{scanner::ErrorStage::kDns, "NXDOMAIN",
                                   "the name nx.example does not exist"};
  r.timing.dns_ms = 3.25;
  r.timing.total_ms = 3.25;
  return r;
}

EndpointResult connect_failure() {
  EndpointResult r;
  r.finished_unix_ms = kFinished;
  r.target = "192.0.2.0/24";
  r.ip = "192.0.2.1";
  r.port = 8443;
  r.status = scanner::Status::kConnectError;
  r.error = scanner::EndpointError{scanner::ErrorStage::kConnect, "CONNECTION_REFUSED",
                                   "the port is closed"};
  r.timing.connect_ms = 0.25;
  r.timing.total_ms = 0.5;
  r.connections = 1;
  return r;
}

class NativeRecordTest : public ::testing::Test {
 protected:
  // Writes the record, checks it is exactly one line, and parses it.
  element record(const EndpointResult& r) {
    line_.clear();
    append_native_record(r, line_);
    EXPECT_FALSE(line_.empty());
    EXPECT_EQ(line_.back(), '\n');
    EXPECT_EQ(std::count(line_.begin(), line_.end(), '\n'), 1) << line_;
    element doc;
    const auto error = parser_.parse(line_).get(doc);
    EXPECT_EQ(error, simdjson::SUCCESS) << line_;
    EXPECT_TRUE(doc.is_object()) << line_;
    return doc;
  }

  static std::vector<std::string> keys(element object) {
    std::vector<std::string> names;
    // Named locals: a range-for over value() of a temporary result would dangle.
    const simdjson::dom::object fields = object.get_object().value();
    for (auto field : fields) names.emplace_back(field.key);
    return names;
  }
  static std::string str(element e) { return std::string(e.get_string().value()); }
  static std::vector<std::string> strings(element e) {
    std::vector<std::string> values;
    const simdjson::dom::array array = e.get_array().value();
    for (element v : array) values.push_back(str(v));
    return values;
  }
  static bool absent(element object, const char* key) {
    return object.at_key(key).error() == simdjson::NO_SUCH_FIELD;
  }

  std::string line_;
  simdjson::dom::parser parser_;
};

TEST_F(NativeRecordTest, FullOkRecordFieldByField) {
  const element doc = record(full_result());
  EXPECT_EQ(keys(doc), (std::vector<std::string>{"schema", "ts", "target", "host", "ip", "port",
                                                 "sni", "status", "error", "timing_ms", "tls",
                                                 "cert", "chain", "findings", "connections"}));
  EXPECT_EQ(str(doc["schema"]), "tlsfleet/1");
  EXPECT_EQ(str(doc["ts"]), "2026-11-27T18:00:00.123Z");
  EXPECT_EQ(str(doc["target"]), "example.com");
  EXPECT_EQ(str(doc["host"]), "example.com");
  EXPECT_EQ(str(doc["ip"]), "2001:db8::1");
  EXPECT_EQ(doc["port"].get_int64().value(), 443);
  EXPECT_EQ(str(doc["sni"]), "example.com");
  EXPECT_EQ(str(doc["status"]), "ok");
  EXPECT_TRUE(doc["error"].is_null());
  EXPECT_EQ(doc["connections"].get_int64().value(), 9);

  const element timing = doc["timing_ms"];
  EXPECT_EQ(keys(timing), (std::vector<std::string>{"dns", "connect", "handshake", "total"}));
  EXPECT_DOUBLE_EQ(timing["dns"].get_double().value(), 1.5);
  EXPECT_DOUBLE_EQ(timing["connect"].get_double().value(), 12.345);
  EXPECT_DOUBLE_EQ(timing["handshake"].get_double().value(), 30.0);
  EXPECT_DOUBLE_EQ(timing["total"].get_double().value(), 44.0);

  const element tls = doc["tls"];
  EXPECT_EQ(keys(tls),
            (std::vector<std::string>{"version", "cipher", "group", "alpn", "protocols", "ciphers",
                                      "server_preference", "groups", "resumption", "ocsp_stapled",
                                      "sni_required", "default_cert_sha256"}));
  EXPECT_EQ(str(tls["version"]), "TLSv1.3");
  EXPECT_EQ(str(tls["cipher"]), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(str(tls["group"]), "X25519");
  EXPECT_EQ(str(tls["alpn"]), "h2");
  EXPECT_EQ(keys(tls["protocols"]), (std::vector<std::string>{"SSLv2", "SSLv3", "TLSv1.0",
                                                              "TLSv1.1", "TLSv1.2", "TLSv1.3"}));
  EXPECT_FALSE(tls["protocols"]["SSLv3"].get_bool().value());
  EXPECT_TRUE(tls["protocols"]["TLSv1.1"].get_bool().value());
  EXPECT_TRUE(tls["protocols"]["TLSv1.3"].get_bool().value());
  EXPECT_EQ(keys(tls["ciphers"]), (std::vector<std::string>{"TLSv1.3", "TLSv1.2", "TLSv1.1"}));
  EXPECT_EQ(strings(tls["ciphers"]["TLSv1.3"]),
            (std::vector<std::string>{"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"}));
  EXPECT_EQ(strings(tls["ciphers"]["TLSv1.2"]),
            (std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}));
  EXPECT_TRUE(strings(tls["ciphers"]["TLSv1.1"]).empty());
  EXPECT_TRUE(tls["server_preference"].get_bool().value());
  EXPECT_EQ(strings(tls["groups"]), (std::vector<std::string>{"x25519", "secp256r1"}));
  EXPECT_TRUE(tls["resumption"]["session_id"].get_bool().value());
  EXPECT_FALSE(tls["resumption"]["ticket"].get_bool().value());
  EXPECT_TRUE(tls["ocsp_stapled"].get_bool().value());
  EXPECT_FALSE(tls["sni_required"].get_bool().value());
  EXPECT_EQ(str(tls["default_cert_sha256"]), std::string(64, 'a'));

  const element cert = doc["cert"];
  EXPECT_EQ(keys(cert), (std::vector<std::string>{"subject", "issuer", "serial", "not_before",
                                                  "not_after", "days_left", "san", "key", "sig_alg",
                                                  "sha256", "self_signed"}));
  EXPECT_EQ(str(cert["subject"]), "CN=example.com");
  EXPECT_EQ(str(cert["issuer"]), "CN=Test Intermediate,O=tlsfleet");
  EXPECT_EQ(str(cert["serial"]), "0A1B2C");
  EXPECT_EQ(str(cert["not_before"]), "2026-01-01T00:00:00Z");
  EXPECT_EQ(str(cert["not_after"]), "2027-01-01T00:00:00Z");
  EXPECT_EQ(cert["days_left"].get_int64().value(), -3);
  EXPECT_EQ(strings(cert["san"]),
            (std::vector<std::string>{"example.com", "www.example.com", "192.0.2.7"}));
  EXPECT_EQ(keys(cert["key"]), (std::vector<std::string>{"type", "bits", "curve"}));
  EXPECT_EQ(str(cert["key"]["type"]), "EC");
  EXPECT_EQ(cert["key"]["bits"].get_int64().value(), 256);
  EXPECT_EQ(str(cert["key"]["curve"]), "prime256v1");
  EXPECT_EQ(str(cert["sig_alg"]), "ecdsa-with-SHA256");
  EXPECT_EQ(str(cert["sha256"]), std::string(64, 'b'));
  EXPECT_FALSE(cert["self_signed"].get_bool().value());

  const element chain = doc["chain"];
  EXPECT_EQ(keys(chain), (std::vector<std::string>{"served", "trusted", "verify_error", "complete",
                                                   "ordered", "hostname_match"}));
  const auto served = chain["served"].get_array().value();
  ASSERT_EQ(served.size(), 2u);
  EXPECT_EQ(keys(served.at(0)),
            (std::vector<std::string>{"subject", "issuer", "sha256", "not_after"}));
  EXPECT_EQ(str(served.at(0)["subject"]), "CN=example.com");
  EXPECT_EQ(str(served.at(1)["subject"]), "CN=Test Intermediate,O=tlsfleet");
  EXPECT_EQ(str(served.at(1)["issuer"]), "CN=Test Root");
  EXPECT_EQ(str(served.at(1)["sha256"]), std::string(64, 'c'));
  EXPECT_EQ(str(served.at(1)["not_after"]), "2030-01-01T00:00:00Z");
  EXPECT_FALSE(chain["trusted"].get_bool().value());
  EXPECT_EQ(str(chain["verify_error"]), "certificate has expired");
  EXPECT_TRUE(chain["complete"].get_bool().value());
  EXPECT_FALSE(chain["ordered"].get_bool().value());
  EXPECT_TRUE(chain["hostname_match"].get_bool().value());

  const auto findings = doc["findings"].get_array().value();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(keys(findings.at(0)),
            (std::vector<std::string>{"id", "severity", "cause", "detail", "fix"}));
  EXPECT_EQ(str(findings.at(0)["id"]), "CERT_EXPIRED");
  EXPECT_EQ(str(findings.at(0)["severity"]), "critical");
  EXPECT_EQ(str(findings.at(0)["cause"]), "certificate");
  EXPECT_EQ(str(findings.at(0)["detail"]), "expired 3 days ago");
  EXPECT_EQ(str(findings.at(0)["fix"]), "renew the certificate");
  EXPECT_EQ(str(findings.at(1)["severity"]), "info");
  EXPECT_EQ(str(findings.at(1)["fix"]), "ssl_stapling on;");
}

TEST_F(NativeRecordTest, DnsErrorHasNullIpAndOnlyDnsTiming) {
  const element doc = record(dns_failure());
  EXPECT_EQ(str(doc["status"]), "dns_error");
  EXPECT_EQ(str(doc["host"]), "nx.example");
  EXPECT_TRUE(doc["ip"].is_null());
  EXPECT_EQ(str(doc["sni"]), "nx.example");
  EXPECT_EQ(keys(doc["error"]), (std::vector<std::string>{"stage", "code", "detail"}));
  EXPECT_EQ(str(doc["error"]["stage"]), "dns");
  EXPECT_EQ(str(doc["error"]["code"]), "NXDOMAIN");
  EXPECT_EQ(str(doc["error"]["detail"]), "the name nx.example does not exist");
  EXPECT_EQ(keys(doc["timing_ms"]), (std::vector<std::string>{"dns", "total"}));
  EXPECT_DOUBLE_EQ(doc["timing_ms"]["dns"].get_double().value(), 3.25);
  EXPECT_TRUE(doc["tls"].is_null());
  EXPECT_TRUE(doc["cert"].is_null());
  EXPECT_TRUE(doc["chain"].is_null());
  EXPECT_EQ(doc["findings"].get_array().value().size(), 0u);
  EXPECT_EQ(doc["connections"].get_int64().value(), 0);
}

TEST_F(NativeRecordTest, ConnectErrorForAnAddressTarget) {
  const element doc = record(connect_failure());
  EXPECT_EQ(str(doc["target"]), "192.0.2.0/24");
  EXPECT_TRUE(doc["host"].is_null());
  EXPECT_EQ(str(doc["ip"]), "192.0.2.1");
  EXPECT_EQ(doc["port"].get_int64().value(), 8443);
  EXPECT_TRUE(doc["sni"].is_null());
  EXPECT_EQ(str(doc["status"]), "connect_error");
  EXPECT_EQ(str(doc["error"]["stage"]), "connect");
  EXPECT_EQ(str(doc["error"]["code"]), "CONNECTION_REFUSED");
  EXPECT_EQ(keys(doc["timing_ms"]), (std::vector<std::string>{"connect", "total"}));
  EXPECT_DOUBLE_EQ(doc["timing_ms"]["total"].get_double().value(), 0.5);
  EXPECT_TRUE(doc["tls"].is_null());
  EXPECT_EQ(doc["connections"].get_int64().value(), 1);
}

TEST_F(NativeRecordTest, EveryStatusAndStageHasItsSchemaName) {
  const std::vector<std::pair<scanner::Status, const char*>> statuses = {
      {scanner::Status::kOk, "ok"},
      {scanner::Status::kDnsError, "dns_error"},
      {scanner::Status::kConnectError, "connect_error"},
      {scanner::Status::kTimeout, "timeout"},
      {scanner::Status::kTlsError, "tls_error"},
      {scanner::Status::kNotTls, "not_tls"},
      {scanner::Status::kCancelled, "cancelled"}};
  EndpointResult r = connect_failure();
  for (const auto& [status, name] : statuses) {
    r.status = status;
    EXPECT_EQ(str(record(r)["status"]), name);
  }
  r.error->stage = scanner::ErrorStage::kTls;
  EXPECT_EQ(str(record(r)["error"]["stage"]), "tls");
  const std::vector<std::pair<scanner::Severity, const char*>> severities = {
      {scanner::Severity::kInfo, "info"},
      {scanner::Severity::kLow, "low"},
      {scanner::Severity::kMedium, "medium"},
      {scanner::Severity::kHigh, "high"},
      {scanner::Severity::kCritical, "critical"}};
  for (const auto& [severity, name] : severities) {
    r.findings = {{"X", severity, "transport", "", ""}};
    EXPECT_EQ(str(record(r)["findings"].at(0)["severity"]), name);
  }
}

TEST_F(NativeRecordTest, BasicDepthTlsOmitsDeeperFieldsAndNullsOptionalOnes) {
  EndpointResult r = full_result();
  scanner::TlsInfo basic;
  basic.version = "TLSv1.2";
  basic.cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  r.tls = basic;
  const element tls = record(r)["tls"];
  EXPECT_EQ(keys(tls),
            (std::vector<std::string>{"version", "cipher", "group", "alpn", "ocsp_stapled"}));
  EXPECT_TRUE(tls["group"].is_null());
  EXPECT_TRUE(tls["alpn"].is_null());
  EXPECT_FALSE(tls["ocsp_stapled"].get_bool().value());
  EXPECT_TRUE(absent(tls, "protocols"));
  EXPECT_TRUE(absent(tls, "default_cert_sha256"));
}

// Finite-field DHE: the main handshake's prime beside group and alpn, the server's own
// prime from the enumeration beside groups; both absent when not seen.
TEST_F(NativeRecordTest, DhPrimeSizesOnlyWhenSeen) {
  EndpointResult r = full_result();
  r.tls->group.reset();
  r.tls->dh_bits = 1024;
  r.tls->dh_custom_bits = 1024;
  const element tls = record(r)["tls"];
  EXPECT_EQ(keys(tls), (std::vector<std::string>{
                           "version", "cipher", "group", "alpn", "dh_bits", "protocols", "ciphers",
                           "server_preference", "groups", "dh_custom_bits", "resumption",
                           "ocsp_stapled", "sni_required", "default_cert_sha256"}));
  EXPECT_TRUE(tls["group"].is_null());
  EXPECT_EQ(tls["dh_bits"].get_int64().value(), 1024);
  EXPECT_EQ(tls["dh_custom_bits"].get_int64().value(), 1024);

  r.tls->dh_bits.reset();
  r.tls->dh_custom_bits.reset();
  const element plain = record(r)["tls"];
  EXPECT_TRUE(absent(plain, "dh_bits"));
  EXPECT_TRUE(absent(plain, "dh_custom_bits"));
}

TEST_F(NativeRecordTest, DefaultCertIsNullWhenProbedWithoutResult) {
  EndpointResult r = full_result();
  r.tls->default_cert_sha256.reset();
  r.tls->default_cert_probed = true;
  const element tls = record(r)["tls"];
  ASSERT_FALSE(absent(tls, "default_cert_sha256"));
  EXPECT_TRUE(tls["default_cert_sha256"].is_null());

  r.tls->default_cert_probed = false;
  EXPECT_TRUE(absent(record(r)["tls"], "default_cert_sha256"));
}

TEST_F(NativeRecordTest, EmptyOptionalsInsideCertAndChainAreNull) {
  EndpointResult r = full_result();
  r.cert->key.type = "RSA";
  r.cert->key.bits = 2048;
  r.cert->key.curve.reset();
  r.cert->san.clear();
  r.chain->verify_error.reset();
  r.chain->hostname_match.reset();
  r.chain->served.clear();
  const element doc = record(r);
  EXPECT_TRUE(doc["cert"]["key"]["curve"].is_null());
  EXPECT_EQ(doc["cert"]["key"]["bits"].get_int64().value(), 2048);
  EXPECT_EQ(doc["cert"]["san"].get_array().value().size(), 0u);
  EXPECT_TRUE(doc["chain"]["verify_error"].is_null());
  EXPECT_TRUE(doc["chain"]["hostname_match"].is_null());
  EXPECT_EQ(doc["chain"]["served"].get_array().value().size(), 0u);
  r.chain->hostname_match = false;
  EXPECT_FALSE(record(r)["chain"]["hostname_match"].get_bool().value());
}

TEST_F(NativeRecordTest, HostileStringsStayOneValidLine) {
  EndpointResult r = full_result();
  const std::string nul(1, '\0');
  r.cert->subject = "CN=evil\"}\n{\"status\":\"ok\"," + nul + "\x7f\xC0\xAF\\";
  r.cert->san = {
      "a\xE2\x80\xA8"
      "b",
      "\xED\xA0\x80", "\xF0\x9F\x98\x80", "trunc\xE2\x82"};
  r.chain->served[0].issuer = "\r\n\t\x1b[2J";
  r.error = scanner::EndpointError{scanner::ErrorStage::kTls, "ALERT_INTERNAL_ERROR",
                                   "peer said \xFF\xFE"};
  r.findings[0].detail = std::string("\x01\x02\x03\x1f", 4);
  const element doc = record(r);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(str(doc["cert"]["subject"]),
            "CN=evil\"}\n{\"status\":\"ok\"," + nul + "\x7f" + fffd + fffd + "\\");
  EXPECT_EQ(strings(doc["cert"]["san"]),
            (std::vector<std::string>{"a\xE2\x80\xA8"
                                      "b",
                                      fffd + fffd + fffd, "\xF0\x9F\x98\x80", "trunc" + fffd}));
  EXPECT_EQ(str(doc["chain"]["served"].at(0)["issuer"]), "\r\n\t\x1b[2J");
  EXPECT_EQ(str(doc["error"]["detail"]), "peer said " + fffd + fffd);
  EXPECT_EQ(str(doc["findings"].at(0)["detail"]), std::string("\x01\x02\x03\x1f", 4));
  EXPECT_EQ(str(doc["status"]), "ok");  // the injected "status" stayed inside the subject
  EXPECT_TRUE(simdjson::validate_utf8(line_.data(), line_.size()));
  EXPECT_EQ(line_.find("\xE2\x80\xA8"), std::string::npos);
}

TEST_F(NativeRecordTest, AppendsAfterExistingLines) {
  std::string batch;
  append_native_record(dns_failure(), batch);
  append_native_record(connect_failure(), batch);
  append_native_record(full_result(), batch);
  EXPECT_EQ(std::count(batch.begin(), batch.end(), '\n'), 3);
  std::vector<std::string> targets;
  std::size_t start = 0;
  while (start < batch.size()) {
    const std::size_t end = batch.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    element doc;
    ASSERT_EQ(parser_.parse(batch.substr(start, end - start)).get(doc), simdjson::SUCCESS);
    targets.push_back(str(doc["target"]));
    start = end + 1;
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"nx.example", "192.0.2.0/24", "example.com"}));
}

TEST_F(NativeRecordTest, TimestampKeepsMilliseconds) {
  EndpointResult r = dns_failure();
  r.finished_unix_ms = 5;
  EXPECT_EQ(str(record(r)["ts"]), "1970-01-01T00:00:00.005Z");
  r.finished_unix_ms = 1795802400999;
  EXPECT_EQ(str(record(r)["ts"]), "2026-11-27T18:00:00.999Z");
}

// The exact bytes, not only the parsed fields: the writer takes shortcuts for the pieces
// records are made of (names given as literals, short plain strings, milliseconds), and
// each must write what the general path writes. The texts were taken from the writer before
// those shortcuts (commit 25282fb), so a change of even one byte fails here.
TEST_F(NativeRecordTest, DnsFailureRecordByteForByte) {
  EndpointResult r = dns_failure();
  r.target = "x001024.bench.test";
  r.host = r.target;
  r.sni = r.target;
  r.port = 9;
  r.error->detail = "DNS lookup of x001024.bench.test: Domain name not found";
  r.timing.dns_ms = 3.688;
  r.timing.total_ms = 3.688;
  std::string line;
  append_native_record(r, line);
  EXPECT_EQ(
      line,
      R"({"schema":"tlsfleet/1","ts":"2026-11-27T18:00:00.123Z","target":"x001024.bench.test",)"
      R"("host":"x001024.bench.test","ip":null,"port":9,"sni":"x001024.bench.test",)"
      R"("status":"dns_error","error":{"stage":"dns","code":"NXDOMAIN","detail":"DNS lookup )"
      R"(of x001024.bench.test: Domain name not found"},"timing_ms":{"dns":3.688,)"
      R"("total":3.688},"tls":null,"cert":null,"chain":null,"findings":[],"connections":0})"
      "\n");
}

TEST_F(NativeRecordTest, FullRecordByteForByte) {
  std::string line;
  append_native_record(full_result(), line);
  EXPECT_EQ(
      line,
      R"({"schema":"tlsfleet/1","ts":"2026-11-27T18:00:00.123Z","target":"example.com",)"
      R"("host":"example.com","ip":"2001:db8::1","port":443,"sni":"example.com",)"
      R"("status":"ok","error":null,"timing_ms":{"dns":1.5,"connect":12.345,"handshake":30,)"
      R"("total":44},"tls":{"version":"TLSv1.3","cipher":"TLS_AES_128_GCM_SHA256",)"
      R"("group":"X25519","alpn":"h2","protocols":{"SSLv2":false,"SSLv3":false,)"
      R"("TLSv1.0":false,"TLSv1.1":true,"TLSv1.2":true,"TLSv1.3":true},)"
      R"("ciphers":{"TLSv1.3":["TLS_AES_256_GCM_SHA384","TLS_AES_128_GCM_SHA256"],)"
      R"("TLSv1.2":["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],"TLSv1.1":[]},)"
      R"("server_preference":true,"groups":["x25519","secp256r1"],)"
      R"("resumption":{"session_id":true,"ticket":false},"ocsp_stapled":true,)"
      R"("sni_required":false,)"
      R"("default_cert_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},)"
      R"("cert":{"subject":"CN=example.com","issuer":"CN=Test Intermediate,O=tlsfleet",)"
      R"("serial":"0A1B2C","not_before":"2026-01-01T00:00:00Z",)"
      R"("not_after":"2027-01-01T00:00:00Z","days_left":-3,"san":["example.com",)"
      R"("www.example.com","192.0.2.7"],"key":{"type":"EC","bits":256,"curve":"prime256v1"},)"
      R"("sig_alg":"ecdsa-with-SHA256",)"
      R"("sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",)"
      R"("self_signed":false},"chain":{"served":[{"subject":"CN=example.com",)"
      R"("issuer":"CN=Test Intermediate,O=tlsfleet",)"
      R"("sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",)"
      R"("not_after":"2027-01-01T00:00:00Z"},{"subject":"CN=Test Intermediate,O=tlsfleet",)"
      R"("issuer":"CN=Test Root",)"
      R"("sha256":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",)"
      R"("not_after":"2030-01-01T00:00:00Z"}],"trusted":false,)"
      R"("verify_error":"certificate has expired","complete":true,"ordered":false,)"
      R"("hostname_match":true},"findings":[{"id":"CERT_EXPIRED","severity":"critical",)"
      R"("cause":"certificate","detail":"expired 3 days ago","fix":"renew the certificate"},)"
      R"({"id":"OCSP_NOT_STAPLED","severity":"info","cause":"certificate",)"
      R"("detail":"no stapled OCSP","fix":"ssl_stapling on;"}],"connections":9})"
      "\n");
}

TEST_F(NativeRecordTest, PortExtremes) {
  EndpointResult r = connect_failure();
  r.port = 65535;
  EXPECT_EQ(record(r)["port"].get_int64().value(), 65535);
  r.port = 1;
  EXPECT_EQ(record(r)["port"].get_int64().value(), 1);
}

}  // namespace
}  // namespace tlsfleet::output
