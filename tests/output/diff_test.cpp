// `diff`: two scan files written by the real record writers, compared; every event is
// parsed back and checked with both sides' values.
#include "output/diff.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "tests/output/readback_fixtures.h"

namespace tlsfleet::output {
namespace {

using scanner::EndpointResult;
using scanner::Severity;
using scanner::Status;
using testing::ecs_lines;
using testing::failed_result;
using testing::finding;
using testing::native_lines;
using testing::ok_result;
using testing::TempFile;

struct Event {
  std::string line;
  std::string name, ip, sni, target;
  int64_t port = 0;
  std::string old_json, new_json;  // minified values
};

struct DiffRun {
  bool ok = false;
  std::string error;
  DiffStats stats;
  std::vector<Event> events;

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Event& e : events) out.push_back(e.name);
    return out;
  }
  const Event* find(const std::string& name) const {
    for (const Event& e : events) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }
};

std::string field(simdjson::dom::element e, const char* key) {
  std::string_view value;
  return e[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
}

DiffRun diff(const std::string& old_text, const std::string& new_text) {
  TempFile old_file(old_text), new_file(new_text);
  DiffRun run;
  std::string out;
  int chunks = 0;
  run.ok = diff_scan_files(
      old_file.path(), new_file.path(),
      [&](std::string_view chunk) {
        ++chunks;
        out.append(chunk);
        return true;
      },
      &run.stats, &run.error);
  EXPECT_TRUE(out.empty() || out.back() == '\n');
  simdjson::dom::parser parser;
  std::size_t begin = 0;
  while (begin < out.size()) {
    const std::size_t end = out.find('\n', begin);
    Event e;
    e.line = out.substr(begin, end - begin);
    begin = end + 1;
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(e.line).get(doc), simdjson::SUCCESS) << e.line;
    e.name = field(doc, "event");
    e.target = field(doc, "target");
    e.ip = field(doc["key"], "ip");
    e.sni = field(doc["key"], "sni");
    EXPECT_EQ(doc["key"]["port"].get(e.port), simdjson::SUCCESS) << e.line;
    e.old_json = simdjson::minify(doc["old"]);
    e.new_json = simdjson::minify(doc["new"]);
    run.events.push_back(std::move(e));
  }
  EXPECT_EQ(run.stats.total_events(), run.events.size());
  return run;
}

TEST(Diff, IdenticalScansHaveNoEvents) {
  const std::string scan =
      native_lines({ok_result("a.example", "192.0.2.1"),
                    failed_result("nx.example", "", Status::kDnsError, "NXDOMAIN")});
  const DiffRun run = diff(scan, scan);
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_TRUE(run.events.empty()) << run.events[0].line;
  EXPECT_EQ(run.stats.old_endpoints, 2u);
  EXPECT_EQ(run.stats.new_endpoints, 2u);
  EXPECT_EQ(run.stats.describe(), "0 events; old: 2 endpoints; new: 2 endpoints");
}

TEST(Diff, AppearedAndDisappearedCarryTheirSide) {
  const auto a = ok_result("a.example", "192.0.2.1");
  const auto b =
      failed_result("10.0.0.0/24", "10.0.0.5", Status::kConnectError, "CONNECTION_REFUSED");
  auto c = ok_result("c.example", "192.0.2.3");
  c.findings.push_back(finding("CERT_SELF_SIGNED", Severity::kHigh, "certificate"));
  const DiffRun run = diff(native_lines({a, b}), native_lines({a, c}));
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_EQ(run.names(), (std::vector<std::string>{"endpoint_appeared", "endpoint_disappeared"}));
  const Event& appeared = run.events[0];
  EXPECT_EQ(appeared.ip, "192.0.2.3");
  EXPECT_EQ(appeared.port, 443);
  EXPECT_EQ(appeared.sni, "c.example");
  EXPECT_EQ(appeared.target, "c.example");
  EXPECT_EQ(appeared.old_json, "null");
  EXPECT_EQ(appeared.new_json,
            "{\"status\":\"ok\",\"error_code\":null,\"version\":\"TLSv1.3\",\"cipher\":"
            "\"TLS_AES_128_GCM_SHA256\",\"sha256\":\"" +
                std::string(64, 'a') +
                "\",\"not_after\":\"2027-01-01T00:00:00Z\",\"findings\":[\"CERT_SELF_SIGNED\"]}");
  const Event& gone = run.events[1];
  EXPECT_EQ(gone.ip, "10.0.0.5");
  EXPECT_EQ(gone.sni, "") << "null sni";
  EXPECT_NE(gone.line.find("\"sni\":null"), std::string::npos) << gone.line;
  EXPECT_EQ(gone.target, "10.0.0.0/24");
  EXPECT_EQ(gone.old_json,
            "{\"status\":\"connect_error\",\"error_code\":\"CONNECTION_REFUSED\",\"version\":null,"
            "\"cipher\":null,\"sha256\":null,\"not_after\":null,\"findings\":[]}");
  EXPECT_EQ(gone.new_json, "null");
}

TEST(Diff, StatusChangeNamesBothStatusesAndCodes) {
  const auto before = failed_result("a.example", "192.0.2.1", Status::kTimeout, "CONNECT_TIMEOUT");
  auto after =
      failed_result("a.example", "192.0.2.1", Status::kTlsError, "ALERT_HANDSHAKE_FAILURE");
  const DiffRun run = diff(native_lines({before}), native_lines({after}));
  ASSERT_EQ(run.names(), std::vector<std::string>{"status_changed"});
  EXPECT_EQ(run.events[0].old_json, "{\"status\":\"timeout\",\"error_code\":\"CONNECT_TIMEOUT\"}");
  EXPECT_EQ(run.events[0].new_json,
            "{\"status\":\"tls_error\",\"error_code\":\"ALERT_HANDSHAKE_FAILURE\"}");
}

TEST(Diff, RotationAndExpiry) {
  const auto before = ok_result("a.example", "192.0.2.1", "a", "2026-12-01T00:00:00Z");
  auto after = ok_result("a.example", "192.0.2.1", "b", "2027-12-01T00:00:00Z");
  after.cert->days_left = 400;
  after.cert->issuer = "CN=New CA";
  const DiffRun run = diff(native_lines({before}), native_lines({after}));
  ASSERT_EQ(run.names(), (std::vector<std::string>{"cert_rotated", "expiry_changed"}));
  EXPECT_EQ(run.events[0].old_json, "{\"sha256\":\"" + std::string(64, 'a') +
                                        "\",\"issuer\":\"CN=Test CA,O=tlsfleet\",\"not_after\":"
                                        "\"2026-12-01T00:00:00Z\"}");
  EXPECT_EQ(run.events[0].new_json, "{\"sha256\":\"" + std::string(64, 'b') +
                                        "\",\"issuer\":\"CN=New CA\",\"not_after\":"
                                        "\"2027-12-01T00:00:00Z\"}");
  EXPECT_EQ(run.events[1].old_json, "{\"not_after\":\"2026-12-01T00:00:00Z\",\"days_left\":35}");
  EXPECT_EQ(run.events[1].new_json, "{\"not_after\":\"2027-12-01T00:00:00Z\",\"days_left\":400}");
}

TEST(Diff, NoCertificateEventsWhenOneSideHasNoCertificate) {
  const auto before = ok_result("a.example", "192.0.2.1");
  const auto after = failed_result("a.example", "192.0.2.1", Status::kTimeout, "HANDSHAKE_TIMEOUT");
  auto after_with_sni = after;
  after_with_sni.sni = "a.example";
  const DiffRun run = diff(native_lines({before}), native_lines({after_with_sni}));
  EXPECT_EQ(run.names(), std::vector<std::string>{"status_changed"});
}

TEST(Diff, FindingsAppearAndResolveById) {
  auto before = ok_result("a.example", "192.0.2.1");
  before.findings.push_back(finding("CERT_EXPIRES_SOON", Severity::kMedium, "certificate"));
  before.findings.push_back(finding("OCSP_NOT_STAPLED", Severity::kInfo, "certificate"));
  auto after = ok_result("a.example", "192.0.2.1");
  after.findings.push_back(finding("OCSP_NOT_STAPLED", Severity::kInfo, "certificate"));
  after.findings.push_back(finding("CHAIN_INCOMPLETE", Severity::kHigh, "chain"));
  const DiffRun run = diff(native_lines({before}), native_lines({after}));
  ASSERT_EQ(run.names(), (std::vector<std::string>{"finding_appeared", "finding_resolved"}));
  EXPECT_EQ(run.events[0].old_json, "null");
  EXPECT_EQ(run.events[0].new_json,
            "{\"id\":\"CHAIN_INCOMPLETE\",\"severity\":\"high\",\"cause\":\"chain\",\"detail\":"
            "\"detail of CHAIN_INCOMPLETE\"}");
  EXPECT_EQ(run.events[1].old_json,
            "{\"id\":\"CERT_EXPIRES_SOON\",\"severity\":\"medium\",\"cause\":\"certificate\"}");
  EXPECT_EQ(run.events[1].new_json, "null");
}

TEST(Diff, VersionsAndSuitesWhenBothScansProbedThem) {
  auto before = ok_result("a.example", "192.0.2.1");
  before.tls->protocols = std::map<std::string, bool>{
      {"TLSv1.0", true}, {"TLSv1.1", false}, {"TLSv1.2", true}, {"TLSv1.3", true}};
  before.tls->ciphers = std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"TLSv1.2", {"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}},
      {"TLSv1.0", {"TLS_RSA_WITH_AES_128_CBC_SHA"}}};
  auto after = before;
  (*after.tls->protocols)["TLSv1.0"] = false;
  (*after.tls->protocols)["TLSv1.1"] = true;
  after.tls->ciphers = std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"TLSv1.2",
       {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}},
      {"TLSv1.1", {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}}};
  const DiffRun run = diff(native_lines({before}), native_lines({after}));
  ASSERT_EQ(run.names(), (std::vector<std::string>{"version_disabled", "version_enabled",
                                                   "cipher_enabled", "cipher_disabled"}))
      << "suites only for TLSv1.2, the one version both scans enumerated";
  EXPECT_EQ(run.events[0].old_json, "{\"version\":\"TLSv1.0\",\"accepted\":true}");
  EXPECT_EQ(run.events[0].new_json, "{\"version\":\"TLSv1.0\",\"accepted\":false}");
  EXPECT_EQ(run.events[1].new_json, "{\"version\":\"TLSv1.1\",\"accepted\":true}");
  EXPECT_EQ(run.events[2].new_json,
            "{\"version\":\"TLSv1.2\",\"cipher\":\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\","
            "\"accepted\":true}");
  EXPECT_EQ(run.events[3].old_json,
            "{\"version\":\"TLSv1.2\",\"cipher\":\"TLS_RSA_WITH_AES_128_CBC_SHA\","
            "\"accepted\":true}");

  // Against a basic-depth scan, nothing can be said about versions or suites.
  const DiffRun basic =
      diff(native_lines({ok_result("a.example", "192.0.2.1")}), native_lines({after}));
  EXPECT_TRUE(basic.events.empty()) << basic.events[0].line;
}

TEST(Diff, NegotiatedVersionOrSuite) {
  const auto before = ok_result("a.example", "192.0.2.1");
  auto after = before;
  after.tls->version = "TLSv1.2";
  after.tls->cipher = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
  const DiffRun run = diff(native_lines({before}), native_lines({after}));
  ASSERT_EQ(run.names(), std::vector<std::string>{"negotiated_changed"});
  EXPECT_EQ(run.events[0].old_json,
            "{\"version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\"}");
}

TEST(Diff, LastRecordOfAKeyWinsOnBothSides) {
  const auto ok = ok_result("a.example", "192.0.2.1");
  auto timed_out = failed_result("a.example", "192.0.2.1", Status::kTimeout, "CONNECT_TIMEOUT");
  timed_out.sni = "a.example";
  const auto b = ok_result("b.example", "192.0.2.2");
  // OLD saw a time out, then (resumed) the answer; NEW wrote a stale copy first.
  const DiffRun run = diff(native_lines({timed_out, b, ok}), native_lines({timed_out, b, ok, b}));
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_TRUE(run.events.empty()) << run.events[0].line;
  EXPECT_EQ(run.stats.old_duplicates, 1u);
  EXPECT_EQ(run.stats.new_duplicates, 2u);
  EXPECT_EQ(run.stats.new_endpoints, 2u);

  const DiffRun flip = diff(native_lines({ok}), native_lines({ok, timed_out}));
  EXPECT_EQ(flip.names(), std::vector<std::string>{"status_changed"}) << "NEW's last copy wins";
}

TEST(Diff, MalformedLinesAreCountedNotFatal) {
  const auto a = ok_result("a.example", "192.0.2.1");
  const std::string line = native_lines({a});
  const DiffRun run = diff("{broken\n" + line, line + line.substr(0, 50));
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_TRUE(run.events.empty());
  EXPECT_EQ(run.stats.old_read.malformed, 1u);
  EXPECT_EQ(run.stats.old_read.first_malformed[0].line, 1u);
  EXPECT_EQ(run.stats.new_read.malformed, 1u);
  EXPECT_NE(run.stats.describe().find("new: 1 endpoint, 1 malformed line skipped (line 2: "),
            std::string::npos)
      << run.stats.describe();
}

TEST(Diff, EcsAndNativeScansOfTheSameFleetAgree) {
  auto a = ok_result("a.example", "192.0.2.1");
  a.findings.push_back(finding("OCSP_NOT_STAPLED", Severity::kInfo, "certificate"));
  const std::vector<EndpointResult> fleet = {
      a, failed_result("nx.example", "", Status::kDnsError, "NXDOMAIN"),
      failed_result("192.0.2.9", "192.0.2.9", Status::kConnectError, "CONNECTION_REFUSED")};
  const DiffRun run = diff(native_lines(fleet), ecs_lines(fleet));
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_TRUE(run.events.empty()) << run.events[0].line;
  EXPECT_EQ(run.stats.new_endpoints, 3u);
}

TEST(Diff, HostileStringsStayInsideTheirEvent) {
  auto before = ok_result("a.example", "192.0.2.1");
  auto after = before;
  after.cert->sha256 = std::string(64, 'e');
  after.cert->issuer = "CN=\"},{\"event\":\"forged\"\n";
  const DiffRun run = diff(native_lines({before}), native_lines({after}));
  ASSERT_EQ(run.names(), std::vector<std::string>{"cert_rotated"});
  EXPECT_NE(run.events[0].new_json.find("CN=\\\"},{\\\"event\\\":\\\"forged\\\"\\n"),
            std::string::npos)
      << run.events[0].new_json;
}

TEST(Diff, ManyEndpointsGrowTheIndexAndKeysDecodeBack) {
  // 20,000 keys grow OLD's table five times; every 1,000th certificate rotates, and the
  // disappeared ones (an IPv6 address, a name that failed DNS) come back from the index
  // with their keys intact.
  std::string old_text, new_text;
  for (int i = 0; i < 20000; ++i) {
    const std::string ip = "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    const std::string name = "h" + std::to_string(i) + ".example";
    append_native_record(ok_result(name, ip, "a"), old_text);
    append_native_record(ok_result(name, ip, i % 1000 == 0 ? "b" : "a"), new_text);
  }
  auto v6 = ok_result("six.example", "2001:db8::6");
  v6.port = 8443;
  append_native_record(v6, old_text);
  append_native_record(failed_result("gone.example", "", Status::kDnsError, "NXDOMAIN"), old_text);
  const DiffRun run = diff(old_text, new_text);
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_EQ(run.stats.events[static_cast<std::size_t>(ChangeEvent::kCertRotated)], 20u);
  EXPECT_EQ(run.stats.old_endpoints, 20002u);
  ASSERT_EQ(run.events.size(), 22u);
  EXPECT_EQ(run.events[0].target, "h0.example");
  EXPECT_EQ(run.events[0].ip, "10.1.0.0");
  const Event& six = run.events[20];
  EXPECT_EQ(six.name, "endpoint_disappeared");
  EXPECT_EQ(six.ip, "2001:db8::6");
  EXPECT_EQ(six.port, 8443);
  EXPECT_EQ(six.sni, "six.example");
  EXPECT_EQ(six.target, "six.example");
  const Event& gone = run.events[21];
  EXPECT_EQ(gone.name, "endpoint_disappeared");
  EXPECT_NE(gone.line.find("\"key\":{\"ip\":null,\"port\":443,\"sni\":null}"), std::string::npos)
      << gone.line;
  EXPECT_EQ(gone.target, "gone.example");
}

TEST(Diff, MissingFilesAndStdinForNewAreErrors) {
  DiffStats stats;
  std::string error;
  const LineSink sink = [](std::string_view) { return true; };
  TempFile file(native_lines({ok_result("a.example", "192.0.2.1")}));
  EXPECT_FALSE(diff_scan_files("/nonexistent/old.ndjson", file.path(), sink, &stats, &error));
  EXPECT_NE(error.find("/nonexistent/old.ndjson"), std::string::npos) << error;
  EXPECT_FALSE(diff_scan_files(file.path(), "/nonexistent/new.ndjson", sink, &stats, &error));
  EXPECT_NE(error.find("/nonexistent/new.ndjson"), std::string::npos) << error;
  EXPECT_FALSE(diff_scan_files(file.path(), "-", sink, &stats, &error));
  EXPECT_NE(error.find("stdin"), std::string::npos) << error;
}

}  // namespace
}  // namespace tlsfleet::output
