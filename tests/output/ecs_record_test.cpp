// ECS records are parsed back with simdjson and checked field by field against
// docs/ECS.md: ECS names where ECS has a field, everything else under `tlsfleet`.
#include "output/ecs_record.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/output/readback_fixtures.h"

namespace tlsfleet::output {
namespace {

using scanner::EndpointResult;
using simdjson::dom::element;
using testing::failed_result;
using testing::finding;
using testing::ok_result;

class EcsRecordTest : public ::testing::Test {
 protected:
  element record(const EndpointResult& r) {
    line_.clear();
    append_ecs_record(r, line_);
    EXPECT_EQ(line_.back(), '\n');
    EXPECT_EQ(std::count(line_.begin(), line_.end(), '\n'), 1) << line_;
    element doc;
    EXPECT_EQ(parser_.parse(line_).get(doc), simdjson::SUCCESS) << line_;
    EXPECT_TRUE(doc.is_object()) << line_;
    return doc;
  }
  template <typename E>
  static std::string str(E e) {
    std::string_view value;
    EXPECT_EQ(e.get(value), simdjson::SUCCESS);
    return std::string(value);
  }
  template <typename E>
  static int64_t integer(E e) {
    int64_t value = -1;
    EXPECT_EQ(e.get(value), simdjson::SUCCESS);
    return value;
  }
  template <typename E>
  static bool boolean(E e) {
    bool value = false;
    EXPECT_EQ(e.get(value), simdjson::SUCCESS);
    return value;
  }
  template <typename E>
  static std::vector<std::string> strings(E e) {
    std::vector<std::string> out;
    simdjson::dom::array array;
    EXPECT_EQ(e.get(array), simdjson::SUCCESS);
    for (element v : array) out.push_back(str(v));
    return out;
  }
  template <typename E>
  static std::vector<std::string> keys(E e) {
    std::vector<std::string> out;
    simdjson::dom::object object;
    EXPECT_EQ(e.get(object), simdjson::SUCCESS);
    for (auto field : object) out.emplace_back(field.key);
    return out;
  }
  static bool absent(element doc, std::string_view pointer) {
    return doc.at_pointer(pointer).error() == simdjson::NO_SUCH_FIELD;
  }

  std::string line_;
  simdjson::dom::parser parser_;
};

EndpointResult full_result() {
  EndpointResult r = ok_result("example.com", "2001:db8::1", "b");
  r.tls->alpn = "h2";
  r.tls->ocsp_stapled = true;
  r.tls->protocols = std::map<std::string, bool>{{"TLSv1.0", true}, {"TLSv1.3", true}};
  r.tls->resumption = scanner::Resumption{true, false};
  r.tls->sni_required = false;
  r.tls->ciphers = std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"TLSv1.3", {"TLS_AES_128_GCM_SHA256"}}};
  r.tls->server_preference = true;
  r.tls->groups = std::vector<std::string>{"x25519"};
  r.cert->serial = "0a1b2c";
  r.cert->days_left = -3;
  r.cert->san = {"example.com", "192.0.2.7"};
  r.chain->verify_error = "certificate has expired";
  r.chain->trusted = false;
  r.timing.dns_ms = 1.5;
  r.timing.connect_ms = 2.25;
  r.timing.handshake_ms = 3;
  r.timing.total_ms = 44.0;
  r.connections = 9;
  r.findings.push_back(finding("CERT_EXPIRED", scanner::Severity::kCritical, "certificate"));
  return r;
}

TEST_F(EcsRecordTest, OkRecordUsesEcsNames) {
  const element doc = record(full_result());
  EXPECT_EQ(keys(doc),
            (std::vector<std::string>{"@timestamp", "ecs", "event", "message", "observer", "server",
                                      "destination", "related", "tls", "tlsfleet"}));
  EXPECT_EQ(str(doc["@timestamp"]), "2026-11-27T18:00:00.123Z");
  EXPECT_EQ(str(doc.at_pointer("/ecs/version")), kEcsVersion);
  EXPECT_EQ(str(doc.at_pointer("/event/kind")), "state");
  EXPECT_EQ(strings(doc.at_pointer("/event/category")), std::vector<std::string>{"network"});
  EXPECT_EQ(str(doc.at_pointer("/event/dataset")), "tlsfleet.scan");
  EXPECT_EQ(str(doc.at_pointer("/event/outcome")), "success");
  EXPECT_EQ(integer(doc.at_pointer("/event/duration")), 44000000) << "ECS durations are ns";
  EXPECT_EQ(str(doc["message"]),
            "example.com [2001:db8::1]:443 ok TLSv1.3; findings: CERT_EXPIRED");

  for (const char* set : {"/server", "/destination"}) {
    SCOPED_TRACE(set);
    const element endpoint = doc.at_pointer(set);
    EXPECT_EQ(str(endpoint["ip"]), "2001:db8::1");
    EXPECT_EQ(str(endpoint["address"]), "2001:db8::1");
    EXPECT_EQ(integer(endpoint["port"]), 443);
    EXPECT_EQ(str(endpoint["domain"]), "example.com");
  }
  EXPECT_EQ(strings(doc.at_pointer("/related/ip")), std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(strings(doc.at_pointer("/related/hosts")), std::vector<std::string>{"example.com"});

  const element tls = doc["tls"];
  EXPECT_TRUE(boolean(tls["established"]));
  EXPECT_EQ(str(tls["version"]), "1.3");
  EXPECT_EQ(str(tls["version_protocol"]), "tls");
  EXPECT_EQ(str(tls["cipher"]), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(str(tls["curve"]), "X25519");
  EXPECT_EQ(str(tls["next_protocol"]), "h2");
  EXPECT_EQ(str(tls.at_pointer("/client/server_name")), "example.com");
  EXPECT_EQ(str(tls.at_pointer("/server/hash/sha256")), std::string(64, 'B')) << "upper case";
  EXPECT_EQ(str(tls.at_pointer("/server/issuer")), "CN=Test CA,O=tlsfleet");
  EXPECT_EQ(str(tls.at_pointer("/server/subject")), "CN=example.com");
  EXPECT_EQ(str(tls.at_pointer("/server/not_before")), "2026-01-01T00:00:00Z");
  EXPECT_EQ(str(tls.at_pointer("/server/not_after")), "2027-01-01T00:00:00Z");

  const element x509 = tls.at_pointer("/server/x509").value();
  EXPECT_EQ(strings(x509["alternative_names"]),
            (std::vector<std::string>{"example.com", "192.0.2.7"}));
  EXPECT_EQ(str(x509.at_pointer("/subject/distinguished_name")), "CN=example.com");
  EXPECT_EQ(strings(x509.at_pointer("/subject/common_name")),
            std::vector<std::string>{"example.com"});
  EXPECT_EQ(str(x509.at_pointer("/issuer/distinguished_name")), "CN=Test CA,O=tlsfleet");
  EXPECT_EQ(strings(x509.at_pointer("/issuer/organization")), std::vector<std::string>{"tlsfleet"});
  EXPECT_EQ(str(x509["serial_number"]), "0A1B2C");
  EXPECT_EQ(str(x509["not_before"]), "2026-01-01T00:00:00Z");
  EXPECT_EQ(str(x509["not_after"]), "2027-01-01T00:00:00Z");
  EXPECT_EQ(str(x509["public_key_algorithm"]), "EC");
  EXPECT_EQ(integer(x509["public_key_size"]), 256);
  EXPECT_EQ(str(x509["public_key_curve"]), "prime256v1");
  EXPECT_EQ(str(x509["signature_algorithm"]), "ecdsa-with-SHA256");
  EXPECT_TRUE(absent(doc, "/error"));
}

TEST_F(EcsRecordTest, FactsWithoutEcsFieldsLiveUnderTlsfleet) {
  const element doc = record(full_result());
  const element ours = doc["tlsfleet"];
  EXPECT_EQ(keys(ours),
            (std::vector<std::string>{"schema", "status", "target", "timing_ms", "connections",
                                      "tls", "cert", "chain", "findings"}));
  EXPECT_EQ(str(ours["schema"]), "tlsfleet/1");
  EXPECT_EQ(str(ours["status"]), "ok");
  EXPECT_EQ(str(ours["target"]), "example.com");
  EXPECT_EQ(keys(ours["timing_ms"]),
            (std::vector<std::string>{"dns", "connect", "handshake", "total"}));
  EXPECT_EQ(integer(ours["connections"]), 9);
  EXPECT_TRUE(boolean(ours.at_pointer("/tls/protocols/TLSv1.0")));
  EXPECT_EQ(strings(ours.at_pointer("/tls/ciphers/TLSv1.3")),
            std::vector<std::string>{"TLS_AES_128_GCM_SHA256"});
  EXPECT_TRUE(boolean(ours.at_pointer("/tls/server_preference")));
  EXPECT_EQ(strings(ours.at_pointer("/tls/groups")), std::vector<std::string>{"x25519"});
  EXPECT_TRUE(boolean(ours.at_pointer("/tls/resumption/session_id")));
  EXPECT_TRUE(boolean(ours.at_pointer("/tls/ocsp_stapled")));
  EXPECT_FALSE(boolean(ours.at_pointer("/tls/sni_required")));
  EXPECT_EQ(integer(ours.at_pointer("/cert/days_left")), -3);
  EXPECT_FALSE(boolean(ours.at_pointer("/cert/self_signed")));
  EXPECT_FALSE(boolean(ours.at_pointer("/chain/trusted")));
  EXPECT_EQ(str(ours.at_pointer("/chain/verify_error")), "certificate has expired");
  EXPECT_TRUE(boolean(ours.at_pointer("/chain/hostname_match")));
  EXPECT_EQ(str(ours.at_pointer("/findings/0/id")), "CERT_EXPIRED");
  EXPECT_EQ(str(ours.at_pointer("/findings/0/severity")), "critical");
  EXPECT_EQ(str(ours.at_pointer("/findings/0/cause")), "certificate");
  EXPECT_EQ(str(ours.at_pointer("/findings/0/fix")), "fix CERT_EXPIRED");
}

// ECS has no field for a DH prime's size: both live under tlsfleet.tls, and only when seen.
TEST_F(EcsRecordTest, DhPrimeSizesLiveUnderTlsfleet) {
  EndpointResult r = full_result();
  r.tls->dh_bits = 2048;
  r.tls->dh_custom_bits = 1024;
  const element doc = record(r);
  EXPECT_EQ(integer(doc.at_pointer("/tlsfleet/tls/dh_bits")), 2048);
  EXPECT_EQ(integer(doc.at_pointer("/tlsfleet/tls/dh_custom_bits")), 1024);
  EXPECT_TRUE(absent(doc, "/tls/dh_bits"));

  r.tls->dh_bits.reset();
  r.tls->dh_custom_bits.reset();
  const element plain = record(r);
  EXPECT_TRUE(absent(plain, "/tlsfleet/tls/dh_bits"));
  EXPECT_TRUE(absent(plain, "/tlsfleet/tls/dh_custom_bits"));
}

TEST_F(EcsRecordTest, DnsFailureHasNoAddressAndAnError) {
  EndpointResult r = failed_result("nx.example", "", scanner::Status::kDnsError, "NXDOMAIN");
  r.sni = "nx.example";
  const element doc = record(r);
  EXPECT_EQ(str(doc.at_pointer("/event/outcome")), "failure");
  EXPECT_TRUE(absent(doc, "/server/ip"));
  EXPECT_EQ(str(doc.at_pointer("/server/address")), "nx.example");
  EXPECT_EQ(str(doc.at_pointer("/server/domain")), "nx.example");
  EXPECT_TRUE(absent(doc, "/related/ip"));
  EXPECT_FALSE(boolean(doc.at_pointer("/tls/established")));
  EXPECT_TRUE(absent(doc, "/tls/version"));
  EXPECT_TRUE(absent(doc, "/tls/server"));
  EXPECT_EQ(str(doc.at_pointer("/tls/client/server_name")), "nx.example");
  EXPECT_EQ(str(doc.at_pointer("/error/code")), "NXDOMAIN");
  EXPECT_EQ(str(doc.at_pointer("/error/message")), "it failed");
  EXPECT_EQ(str(doc.at_pointer("/error/type")), "dns");
  EXPECT_EQ(str(doc.at_pointer("/tlsfleet/status")), "dns_error");
  EXPECT_TRUE(absent(doc, "/tlsfleet/cert"));
  EXPECT_TRUE(absent(doc, "/tlsfleet/chain"));
  EXPECT_EQ(doc.at_pointer("/tlsfleet/findings").get_array().size(), 0u);
}

TEST_F(EcsRecordTest, LegacyVersionsAndUrlTargets) {
  EndpointResult r = ok_result("legacy.example", "192.0.2.9");
  r.target = "https://legacy.example:443/login";
  r.tls->version = "SSLv3";
  element doc = record(r);
  EXPECT_EQ(str(doc.at_pointer("/tls/version")), "3.0");
  EXPECT_EQ(str(doc.at_pointer("/tls/version_protocol")), "ssl");
  EXPECT_EQ(str(doc.at_pointer("/url/original")), "https://legacy.example:443/login");

  r.target = "legacy.example";
  r.tls->version = "TLSv1.0";
  doc = record(r);
  EXPECT_EQ(str(doc.at_pointer("/tls/version")), "1.0");
  EXPECT_EQ(str(doc.at_pointer("/tls/version_protocol")), "tls");
  EXPECT_TRUE(absent(doc, "/url"));
}

TEST_F(EcsRecordTest, HostileStringsStayOneValidLine) {
  EndpointResult r = ok_result("evil.example", "192.0.2.66");
  r.cert->subject = "CN=a\\,b\\2Cc+CN=\"</script><img src=x onerror=alert(1)>\",O=x\n\r\x1b[2J";
  r.cert->issuer = std::string("CN=bad\xC0\xAF utf8 \xE2\x80\xA8 sep");
  r.cert->san = {"evil.example\n{\"injected\":true}"};
  r.findings.push_back({"CERT_HOSTNAME_MISMATCH", scanner::Severity::kHigh, "certificate",
                        "detail \"quoted\" \\ backslash\t tab", "fix"});
  const element doc = record(r);
  const element x509 = doc.at_pointer("/tls/server/x509").value();
  EXPECT_EQ(str(x509.at_pointer("/subject/distinguished_name")), r.cert->subject);
  EXPECT_EQ(strings(x509.at_pointer("/subject/common_name")),
            (std::vector<std::string>{"a,b,c", "\"</script><img src=x onerror=alert(1)>\""}))
      << "RFC 4514 escapes undone, multi-valued RDNs split";
  EXPECT_EQ(str(x509.at_pointer("/issuer/distinguished_name")),
            "CN=bad\xEF\xBF\xBD\xEF\xBF\xBD utf8 \xE2\x80\xA8 sep")
      << "invalid UTF-8 replaced, U+2028 kept as a character";
  EXPECT_NE(line_.find("\\u2028"), std::string::npos) << "U+2028 escaped in the line";
  EXPECT_EQ(strings(x509["alternative_names"]), r.cert->san);
  EXPECT_EQ(str(doc.at_pointer("/tlsfleet/findings/0/detail")), r.findings[0].detail);
}

}  // namespace
}  // namespace tlsfleet::output
