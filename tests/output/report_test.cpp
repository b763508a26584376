// `report`: the aggregates, the text for people and the self-contained HTML page, from a
// scan file that includes a hostile certificate subject, duplicates and broken lines.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "output/report_html.h"
#include "output/report_model.h"
#include "output/report_text.h"
#include "tests/output/readback_fixtures.h"

namespace tlsfleet::output {
namespace {

using scanner::EndpointResult;
using scanner::Severity;
using scanner::Status;
using testing::failed_result;
using testing::finding;
using testing::kNow;  // 2026-11-27T18:00:00Z
using testing::native_lines;
using testing::ok_result;
using testing::TempFile;

constexpr const char* kHostile = "CN=<script>alert('x')</script>\"><img src=x onerror=alert(1)>";

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto expired = ok_result("expired.example", "192.0.2.1", "1", "2026-11-20T00:00:00Z");
    expired.findings.push_back(finding("CERT_EXPIRED", Severity::kCritical, "certificate"));
    auto soon = ok_result("soon.example", "192.0.2.2", "2", "2026-12-02T18:00:00Z");  // 5 days
    soon.findings.push_back(finding("CERT_EXPIRES_SOON", Severity::kMedium, "certificate"));
    auto soon_too = ok_result("soon2.example", "192.0.2.3", "2", "2026-12-02T18:00:00Z");
    soon_too.findings.push_back(finding("CERT_EXPIRES_SOON", Severity::kMedium, "certificate"));
    soon_too.findings.push_back(finding("PROTOCOL_LEGACY_ENABLED", Severity::kMedium, "protocol"));
    soon_too.tls->version = "TLSv1.2";
    auto month = ok_result("month.example", "192.0.2.4", "3", "2026-12-20T00:00:00Z");  // 22 days
    month.cert->issuer = "CN=Other CA";
    auto hostile = ok_result("evil.example", "192.0.2.5", "4", "2027-02-01T00:00:00Z");  // 65
    hostile.cert->subject = kHostile;
    hostile.cert->issuer = kHostile;
    hostile.target = "evil\x1b[31m.example\xE2\x80\xAE";
    auto later = ok_result("later.example", "192.0.2.6", "5", "2028-01-01T00:00:00Z");
    auto refused =
        failed_result("192.0.2.7", "192.0.2.7", Status::kConnectError, "CONNECTION_REFUSED");
    auto stale = failed_result("later.example", "192.0.2.6", Status::kTimeout, "CONNECT_TIMEOUT");
    stale.sni = "later.example";
    file_.write(native_lines({stale, expired, soon, soon_too, month, hostile, later, refused}) +
                "not json\n");
    std::string error;
    ASSERT_TRUE(read_scan_file(file_.path(), scan_, &error)) << error;
    report_ = build_report(scan_, "scan.ndjson", kNow);
  }

  TempFile file_;
  ScanFile scan_;
  FleetReport report_;
};

TEST_F(ReportTest, Aggregates) {
  EXPECT_EQ(report_.endpoints, 7u);
  EXPECT_EQ(report_.records, 8u);
  EXPECT_EQ(report_.duplicates, 1u) << "the stale timeout was replaced";
  EXPECT_EQ(report_.read.malformed, 1u);
  EXPECT_EQ(report_.by_status, (std::vector<Count>{{"ok", 6}, {"connect_error", 1}}));
  EXPECT_EQ(report_.by_version, (std::vector<Count>{{"TLSv1.3", 5}, {"TLSv1.2", 1}, {"none", 1}}));
  ASSERT_EQ(report_.findings.size(), 3u);
  EXPECT_EQ(report_.findings[0].id, "CERT_EXPIRED") << "worst first";
  EXPECT_EQ(report_.findings[1].id, "CERT_EXPIRES_SOON") << "then by endpoints";
  EXPECT_EQ(report_.findings[1].endpoints, 2u);
  EXPECT_EQ(report_.findings_by_cause, (std::vector<Count>{{"certificate", 3}, {"protocol", 1}}));
  EXPECT_EQ(report_.certificates, 5u) << "soon and soon2 serve one certificate";
  EXPECT_EQ(report_.expiry[kExpired], 1u);
  EXPECT_EQ(report_.expiry[kWithin7], 1u);
  EXPECT_EQ(report_.expiry[kWithin30], 1u);
  EXPECT_EQ(report_.expiry[kWithin90], 1u);
  EXPECT_EQ(report_.expiry[kLater], 1u);
  ASSERT_EQ(report_.expiring.size(), 4u);
  EXPECT_EQ(report_.expiring[0].days_left, -8);
  EXPECT_EQ(report_.expiring[1].days_left, 5);
  EXPECT_EQ(report_.expiring[1].endpoints, 2u);
  EXPECT_EQ(report_.expiring[2].days_left, 22);
  EXPECT_EQ(report_.issuers[0], (Count{"CN=Test CA,O=tlsfleet", 3}));
}

TEST_F(ReportTest, TextHasEverySectionAndNoControlCharacters) {
  const std::string text = render_report_text(report_);
  EXPECT_NE(text.find("tlsfleet report: scan.ndjson (as of 2026-11-27T18:00:00Z)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("7 endpoints from 8 records (1 duplicate replaced by a later record)"),
            std::string::npos);
  EXPECT_NE(text.find("malformed lines: 1 malformed line skipped (line 9: not JSON"),
            std::string::npos);
  EXPECT_TRUE(std::regex_search(text, std::regex("connect_error +1\n")));
  EXPECT_TRUE(std::regex_search(text, std::regex("critical +CERT_EXPIRED +certificate +1\n")));
  EXPECT_TRUE(std::regex_search(text, std::regex("medium +CERT_EXPIRES_SOON +certificate +2\n")));
  EXPECT_TRUE(std::regex_search(
      text, std::regex("expired +1\n +0-7 days +1\n +8-30 days +1\n +31-90 days +1\n")));
  EXPECT_NE(text.find("-8d  2026-11-20T00:00:00Z"), std::string::npos);
  EXPECT_NE(text.find("and 1 more)"), std::string::npos) << "one certificate, two endpoints";
  EXPECT_TRUE(std::regex_search(text, std::regex(" +3  CN=Test CA,O=tlsfleet\n")));
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no terminal escape reaches the output";
  EXPECT_EQ(text.find("\xE2\x80\xAE"), std::string::npos) << "no bidi override";
  EXPECT_NE(text.find("evil?[31m.example?"), std::string::npos);
}

TEST(ReportText, Printable) {
  EXPECT_EQ(printable("plain \xC3\xA9t\xC3\xA9"), "plain \xC3\xA9t\xC3\xA9") << "UTF-8 kept";
  EXPECT_EQ(printable("a\x1b[2Jb\x7f\r\n"), "a?[2Jb???");
  EXPECT_EQ(printable("\xC2\x9B"
                      "31m"),
            "?31m")
      << "C1 CSI";
  EXPECT_EQ(printable("x\xE2\x81\xA6y"), "x?y") << "U+2066";
}

TEST_F(ReportTest, HtmlIsSelfContainedAndEscapesScanData) {
  const std::string html = render_report_html(report_, scan_);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  for (const char* outside : {"http:", "https:", "src=\"", "<link", "@import", "url("}) {
    EXPECT_EQ(html.find(outside), std::string::npos) << "external reference: " << outside;
  }
  EXPECT_EQ(count(html, "<script"), 1u) << "only our own script";
  EXPECT_EQ(count(html, "<img"), 0u);
  EXPECT_NE(html.find("CN=&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img "
                      "src=x onerror=alert(1)&gt;"),
            std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 3u) << "expiry timeline, versions, findings by cause";
  EXPECT_NE(html.find("Certificate expiry timeline"), std::string::npos);
  EXPECT_NE(html.find("Findings by cause"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"endpoints\">"), std::string::npos);
  const std::size_t body = html.find("<table id=\"endpoints\">");
  EXPECT_EQ(count(html.substr(body), "<tr>"), 1u + 7u) << "header and one row per endpoint";
  EXPECT_NE(html.find("data-key=\"days\" data-type=\"num\""), std::string::npos);
  EXPECT_NE(html.find("<span class=\"sev sev-critical\">critical</span>"), std::string::npos);
}

TEST(ReportHtml, Escape) {
  EXPECT_EQ(html_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(html_escape("tab\tnl\nesc\x1b del\x7f"), "tab\tnl\nesc del");
  EXPECT_EQ(html_escape("\xC3\xA9"), "\xC3\xA9");
}

TEST(Report, EmptyScan) {
  TempFile file("");
  ScanFile scan;
  std::string error;
  ASSERT_TRUE(read_scan_file(file.path(), scan, &error));
  const FleetReport report = build_report(scan, "empty.ndjson", kNow);
  const std::string text = render_report_text(report);
  EXPECT_NE(text.find("0 endpoints from 0 records"), std::string::npos) << text;
  EXPECT_NE(text.find("(none)"), std::string::npos);
  const std::string html = render_report_html(report, scan);
  EXPECT_NE(html.find("No findings."), std::string::npos);
  EXPECT_NE(html.find("nothing to show"), std::string::npos);
}

}  // namespace
}  // namespace tlsfleet::output
