// The scan-file reader: records come back as summaries from native and ECS lines alike;
// lines that are not records are counted with their line numbers and never stop the read;
// read_scan_file() keeps the last record of each (ip, port, sni).
#include "output/ndjson_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/output/readback_fixtures.h"

namespace tlsfleet::output {
namespace {

using scanner::Status;
using testing::ecs_lines;
using testing::failed_result;
using testing::finding;
using testing::native_lines;
using testing::ok_result;
using testing::TempFile;

std::vector<EndpointSummary> read_all(const std::string& path, ReadStats* stats = nullptr) {
  NdjsonReader reader;
  std::string error;
  EXPECT_TRUE(reader.open(path, &error)) << error;
  std::vector<EndpointSummary> out;
  EndpointSummary s;
  while (reader.next(s)) out.push_back(s);
  if (stats) *stats = reader.stats();
  return out;
}

scanner::EndpointResult rich_result() {
  auto r = ok_result("shop.example", "192.0.2.10", "c", "2027-03-04T05:06:07Z");
  r.tls->protocols = std::map<std::string, bool>{{"TLSv1.1", false}, {"TLSv1.2", true}};
  r.tls->ciphers = std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"TLSv1.2", {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"}}};
  r.findings.push_back(finding("CIPHER_NO_FORWARD_SECRECY", scanner::Severity::kMedium, "cipher"));
  return r;
}

void expect_rich(const EndpointSummary& s) {
  EXPECT_EQ(s.key.ip, "192.0.2.10");
  EXPECT_EQ(s.key.port, 443);
  EXPECT_EQ(s.key.sni, "shop.example");
  EXPECT_EQ(s.key.name, "") << "name only stands in for a missing ip";
  EXPECT_EQ(s.ts, "2026-11-27T18:00:00.123Z");
  EXPECT_EQ(s.target, "shop.example");
  EXPECT_EQ(s.host, "shop.example");
  EXPECT_EQ(s.status, "ok");
  EXPECT_EQ(s.error_code, "");
  EXPECT_EQ(s.version, "TLSv1.3");
  EXPECT_EQ(s.cipher, "TLS_AES_128_GCM_SHA256");
  EXPECT_TRUE(s.has_cert);
  EXPECT_EQ(s.cert_sha256, std::string(64, 'c'));
  EXPECT_EQ(s.cert_subject, "CN=shop.example");
  EXPECT_EQ(s.cert_issuer, "CN=Test CA,O=tlsfleet");
  EXPECT_EQ(s.cert_not_after, "2027-03-04T05:06:07Z");
  EXPECT_EQ(s.days_left, 35);
  EXPECT_TRUE(s.has_protocols);
  EXPECT_EQ(s.protocols,
            (std::vector<std::pair<std::string, bool>>{{"TLSv1.1", false}, {"TLSv1.2", true}}));
  EXPECT_TRUE(s.has_ciphers);
  ASSERT_EQ(s.ciphers.size(), 1u);
  EXPECT_EQ(s.ciphers[0].first, "TLSv1.2");
  EXPECT_EQ(s.ciphers[0].second.size(), 2u);
  ASSERT_EQ(s.findings.size(), 1u);
  EXPECT_EQ(s.findings[0].id, "CIPHER_NO_FORWARD_SECRECY");
  EXPECT_EQ(s.findings[0].severity, "medium");
  EXPECT_EQ(s.findings[0].cause, "cipher");
  EXPECT_EQ(s.findings[0].detail, "detail of CIPHER_NO_FORWARD_SECRECY");
  EXPECT_EQ(s.worst_severity(), 2);
}

TEST(NdjsonReader, NativeRecordFieldByField) {
  TempFile file(native_lines({rich_result()}));
  ReadStats stats;
  const auto records = read_all(file.path(), &stats);
  ASSERT_EQ(records.size(), 1u);
  expect_rich(records[0]);
  EXPECT_FALSE(records[0].from_ecs);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(stats.records, 1u);
  EXPECT_EQ(stats.malformed, 0u);
}

TEST(NdjsonReader, EcsRecordReadsBackToTheSameSummary) {
  TempFile file(ecs_lines({rich_result()}));
  const auto records = read_all(file.path());
  ASSERT_EQ(records.size(), 1u);
  expect_rich(records[0]);
  EXPECT_TRUE(records[0].from_ecs);
}

TEST(NdjsonReader, FailuresKeepTheirErrorAndNameTheKey) {
  TempFile file(native_lines(
      {failed_result("nx1.example", "", Status::kDnsError, "NXDOMAIN"),
       failed_result("nx2.example", "", Status::kDnsError, "SERVFAIL"),
       failed_result("10.0.0.0/24", "10.0.0.7", Status::kConnectError, "CONNECTION_REFUSED")}));
  const auto records = read_all(file.path());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].key.ip, "");
  EXPECT_EQ(records[0].key.name, "nx1.example");
  EXPECT_EQ(records[1].key.name, "nx2.example");
  EXPECT_FALSE(records[0].key == records[1].key) << "two failed names are two endpoints";
  EXPECT_EQ(records[0].status, "dns_error");
  EXPECT_EQ(records[1].error_code, "SERVFAIL");
  EXPECT_EQ(records[2].key.ip, "10.0.0.7");
  EXPECT_EQ(records[2].key.name, "");
  EXPECT_EQ(records[2].error_code, "CONNECTION_REFUSED");
  EXPECT_FALSE(records[2].has_cert);
  EXPECT_EQ(records[2].version, "");
}

TEST(NdjsonReader, MalformedLinesAreCountedWithTheirNumbersAndSkipped) {
  const std::string good = native_lines({ok_result("a.example", "192.0.2.1")});
  std::string text = good;                               // line 1
  text += "this is not json\n";                          // line 2
  text += "\n";                                          // line 3: blank, not counted
  text += good.substr(0, good.size() / 2) + "\n";        // line 4: cut in the middle
  text += "[1,2,3]\n";                                   // line 5: not an object
  text += "{\"schema\":\"tlsfleet/1\",\"ts\":\"x\"}\n";  // line 6: no port or status
  text += good;                                          // line 7
  text += "{\"port\":\"443\",\"status\":\"ok\"}\n";      // line 8: port of the wrong type
  text += good.substr(0, good.size() - 40);              // line 9: file ends inside it
  TempFile file(text);
  ReadStats stats;
  const auto records = read_all(file.path(), &stats);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].line, 7u);
  EXPECT_EQ(stats.lines, 9u);
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.malformed, 6u);
  ASSERT_EQ(stats.first_malformed.size(), ReadStats::kMaxExamples);
  std::vector<uint64_t> lines;
  for (const MalformedLine& m : stats.first_malformed) lines.push_back(m.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{2, 4, 5, 6, 8}));
  EXPECT_NE(stats.first_malformed[0].reason.find("not JSON"), std::string::npos);
  EXPECT_NE(stats.first_malformed[2].reason.find("not a JSON object"), std::string::npos);
  EXPECT_NE(stats.first_malformed[3].reason.find("no port or status"), std::string::npos);
  const std::string described = describe_malformed(stats);
  EXPECT_EQ(described.rfind("6 malformed lines skipped (line 2: ", 0), 0u) << described;
  EXPECT_NE(described.find("; ...)"), std::string::npos) << "more than the examples shown";
}

TEST(NdjsonReader, TruncatedLastLineIsNamedAsSuch) {
  const std::string good = native_lines({ok_result("a.example", "192.0.2.1")});
  TempFile file(good + good.substr(0, 100));
  ReadStats stats;
  EXPECT_EQ(read_all(file.path(), &stats).size(), 1u);
  ASSERT_EQ(stats.malformed, 1u);
  EXPECT_EQ(stats.first_malformed[0].line, 2u);
  EXPECT_NE(stats.first_malformed[0].reason.find("truncated"), std::string::npos);
}

TEST(NdjsonReader, LastLineWithoutNewlineIsStillARecord) {
  std::string good = native_lines({ok_result("a.example", "192.0.2.1")});
  good.pop_back();
  TempFile file(good);
  ReadStats stats;
  EXPECT_EQ(read_all(file.path(), &stats).size(), 1u);
  EXPECT_EQ(stats.malformed, 0u);
}

TEST(NdjsonReader, OverlongLineIsSkippedAndReadingGoesOn) {
  const std::string good = native_lines({ok_result("a.example", "192.0.2.1")});
  std::string text = good;
  text += "\"" + std::string(NdjsonReader::kMaxLineBytes + 100, 'x') + "\"\n";
  text += good;
  TempFile file(text);
  ReadStats stats;
  EXPECT_EQ(read_all(file.path(), &stats).size(), 2u);
  ASSERT_EQ(stats.malformed, 1u);
  EXPECT_EQ(stats.first_malformed[0].line, 2u);
  EXPECT_NE(stats.first_malformed[0].reason.find("longer than"), std::string::npos);
}

TEST(NdjsonReader, ManyRecordsAcrossBufferRefills) {
  // About 900 bytes a record: 16,000 of them fill the 4 MiB buffer three times over, so
  // lines straddle refills.
  std::string text;
  for (int i = 0; i < 16000; ++i) {
    const std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    append_native_record(ok_result("h" + std::to_string(i) + ".example", ip), text);
  }
  ASSERT_GT(text.size(), 3 * NdjsonReader::kMaxLineBytes);
  TempFile file(text);
  ReadStats stats;
  const auto records = read_all(file.path(), &stats);
  ASSERT_EQ(records.size(), 16000u);
  EXPECT_EQ(stats.malformed, 0u);
  EXPECT_EQ(records[15999].key.ip, "10.0.62.127");
  EXPECT_EQ(records[15999].line, 16000u);
}

TEST(NdjsonReader, MissingFileIsAnError) {
  NdjsonReader reader;
  std::string error;
  EXPECT_FALSE(reader.open("/nonexistent/scan.ndjson", &error));
  EXPECT_NE(error.find("/nonexistent/scan.ndjson"), std::string::npos) << error;
}

TEST(ReadScanFile, LastRecordOfAKeyWinsAtTheFirstPosition) {
  auto first = failed_result("a.example", "192.0.2.1", Status::kTimeout, "CONNECT_TIMEOUT");
  first.sni = "a.example";
  const auto other = ok_result("b.example", "192.0.2.2");
  const auto again = ok_result("a.example", "192.0.2.1");  // resumed: written a second time
  auto other_sni = ok_result("a.example", "192.0.2.1");
  other_sni.sni = "www.a.example";  // same address and port, another SNI: its own endpoint
  TempFile file(native_lines({first, other, again, other_sni}) + "garbage\n");
  ScanFile scan;
  std::string error;
  ASSERT_TRUE(read_scan_file(file.path(), scan, &error)) << error;
  ASSERT_EQ(scan.endpoints.size(), 3u);
  EXPECT_EQ(scan.duplicates, 1u);
  EXPECT_EQ(scan.stats.records, 4u);
  EXPECT_EQ(scan.stats.malformed, 1u);
  EXPECT_EQ(scan.endpoints[0].key.sni, "a.example");
  EXPECT_EQ(scan.endpoints[0].status, "ok") << "the later record replaced the timeout";
  EXPECT_EQ(scan.endpoints[0].line, 3u);
  EXPECT_EQ(scan.endpoints[1].target, "b.example");
  EXPECT_EQ(scan.endpoints[2].key.sni, "www.a.example");
}

TEST(ScanSummary, Rfc3339RoundTrip) {
  EXPECT_EQ(parse_rfc3339("2026-11-27T18:00:00Z"), 1795802400);
  EXPECT_EQ(parse_rfc3339("2026-11-27T18:00:00.123Z"), 1795802400);
  EXPECT_EQ(parse_rfc3339("2026-11-27T20:00:00+02:00"), 1795802400);
  EXPECT_EQ(format_rfc3339(1795802400), "2026-11-27T18:00:00Z");
  EXPECT_FALSE(parse_rfc3339("yesterday").has_value());
  EXPECT_FALSE(parse_rfc3339("2026-13-27T18:00:00Z").has_value());
  EXPECT_FALSE(parse_rfc3339("2026-11-27T18:00:00").has_value()) << "no zone";
}

}  // namespace
}  // namespace tlsfleet::output
