// Reading real scans back: `tlsfleet diff` between two scans of the fleet (one with other
// flags, plus edits a resumed or crashed run would leave: a rotated certificate, a changed
// status, duplicates, broken lines), `tlsfleet report` as text and as HTML rendered in
// headless Chromium, and `scan --format ecs` read back by both.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/fleet_environment.h"
#include "tests/integration/record_expectations.h"
#include "tests/integration/scan_run.h"

namespace tlsfleet::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A temporary directory, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tlsfleet-readback.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces every occurrence; fails the test when there is none.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  std::size_t n = 0;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
    ++n;
  }
  EXPECT_GT(n, 0u) << "\"" << from << "\" not found";
  return text;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// `tlsfleet ARGS...` whose stdout is text for people, not NDJSON.
ProcessResult run_text(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {tlsfleet_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = run_process(argv, "", 60s);
  EXPECT_FALSE(result.timed_out) << result.describe();
  return result;
}

// The change events of one key, by event name.
std::vector<const Record*> events(const ScanRun& diff, const std::string& name,
                                  const std::string& sni) {
  std::vector<const Record*> out;
  for (const Record& r : diff.records) {
    if (r.str("/event") == name && !r.is_null("/key/sni") && r.str("/key/sni") == sni) {
      out.push_back(&r);
    }
  }
  return out;
}

TEST(ScanReadback, DiffOfTwoRealScansWithEdits) {
  const Fleet& f = fleet();
  TempDir dir;
  const ScanRun old_scan =
      scan({f.host("valid"), f.host("expired"), f.host("noint"), f.host("closed")});
  ASSERT_EQ(old_scan.exit_code(), 0) << old_scan.describe();
  ASSERT_EQ(old_scan.records.size(), 4u);
  // The second scan warns ten years ahead, so every valid leaf gets CERT_EXPIRES_SOON.
  const ScanRun new_scan = scan({"--expiry-warn", "3650", f.host("valid"), f.host("expired"),
                                 f.host("noint"), f.host("selfsigned")});
  ASSERT_EQ(new_scan.exit_code(), 0) << new_scan.describe();
  ASSERT_EQ(new_scan.records.size(), 4u);

  // OLD as a crashed run with an older certificate on expired.test and a failing noint.
  std::string old_text;
  std::string valid_line;
  for (const Record& r : old_scan.records) {
    std::string line = r.line();
    if (r.str("/target") == f.host("expired")) {
      line = replace_all(line, f.sha256("expired"), std::string(64, '0'));
      line = replace_all(line, "\"not_after\":\"" + r.str("/cert/not_after") + "\"",
                         "\"not_after\":\"2026-01-01T00:00:00Z\"");
    } else if (r.str("/target") == f.host("noint")) {
      line = replace_all(line, "\"status\":\"ok\",\"error\":null",
                         "\"status\":\"tls_error\",\"error\":{\"stage\":\"tls\",\"code\":"
                         "\"ALERT_HANDSHAKE_FAILURE\",\"detail\":\"edited\"}");
    } else if (r.str("/target") == f.host("valid")) {
      valid_line = line;
    }
    old_text += line + "\n";
  }
  ASSERT_FALSE(valid_line.empty());
  old_text += "this line is not a record\n";
  old_text += valid_line.substr(0, valid_line.size() / 2);  // cut off by a crash
  write_file(dir.file("old.ndjson"), old_text);

  // NEW as a resumed run: a stale copy of valid.test first; the later record must win.
  std::string stale;
  for (const Record& r : new_scan.records) {
    if (r.str("/target") == f.host("valid")) {
      stale = replace_all(r.line(), "\"status\":\"ok\"", "\"status\":\"timeout\"") + "\n";
    }
  }
  write_file(dir.file("new.ndjson"), stale + new_scan.process.out);

  const ScanRun diff = run_tlsfleet({"diff", dir.file("old.ndjson"), dir.file("new.ndjson")});
  ASSERT_EQ(diff.exit_code(), 0) << diff.describe();
  SCOPED_TRACE("diff output:\n" + diff.process.out);

  auto appeared = events(diff, "endpoint_appeared", f.host("selfsigned"));
  ASSERT_EQ(appeared.size(), 1u);
  EXPECT_EQ(appeared[0]->str("/key/ip"), f.ip("selfsigned"));
  EXPECT_EQ(appeared[0]->integer("/key/port"), std::stoi(f.port()));
  EXPECT_TRUE(appeared[0]->is_null("/old"));
  EXPECT_EQ(appeared[0]->str("/new/status"), "ok");
  EXPECT_EQ(appeared[0]->str("/new/sha256"), f.sha256("selfsigned"));

  int disappeared = 0;
  for (const Record& r : diff.records) {
    if (r.str("/event") != "endpoint_disappeared") continue;
    ++disappeared;
    EXPECT_EQ(r.str("/target"), f.host("closed"));
    EXPECT_EQ(r.str("/key/ip"), f.ip("closed"));
    EXPECT_EQ(r.str("/old/status"), "connect_error");
    EXPECT_EQ(r.str("/old/error_code"), "CONNECTION_REFUSED");
    EXPECT_TRUE(r.is_null("/new"));
  }
  EXPECT_EQ(disappeared, 1);

  auto rotated = events(diff, "cert_rotated", f.host("expired"));
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(rotated[0]->str("/old/sha256"), std::string(64, '0'));
  EXPECT_EQ(rotated[0]->str("/new/sha256"), f.sha256("expired"));
  EXPECT_EQ(rotated[0]->str("/new/issuer"), kIntermediateSubject);
  auto expiry = events(diff, "expiry_changed", f.host("expired"));
  ASSERT_EQ(expiry.size(), 1u);
  EXPECT_EQ(expiry[0]->str("/old/not_after"), "2026-01-01T00:00:00Z");
  EXPECT_LT(expiry[0]->integer("/new/days_left"), 0) << "the fleet's expired leaf";

  auto status = events(diff, "status_changed", f.host("noint"));
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0]->str("/old/status"), "tls_error");
  EXPECT_EQ(status[0]->str("/old/error_code"), "ALERT_HANDSHAKE_FAILURE");
  EXPECT_EQ(status[0]->str("/new/status"), "ok");
  EXPECT_TRUE(status[0]->is_null("/new/error_code"));

  auto soon = events(diff, "finding_appeared", f.host("valid"));
  ASSERT_EQ(soon.size(), 1u);
  EXPECT_EQ(soon[0]->str("/new/id"), "CERT_EXPIRES_SOON");
  EXPECT_EQ(soon[0]->str("/new/cause"), "certificate");
  EXPECT_TRUE(events(diff, "status_changed", f.host("valid")).empty())
      << "the stale timeout of valid.test was replaced by its later record";

  EXPECT_NE(diff.err().find("2 malformed lines skipped (line 5: not JSON"), std::string::npos)
      << diff.err();
  EXPECT_NE(diff.err().find("truncated"), std::string::npos) << diff.err();
  EXPECT_NE(diff.err().find("new: 4 endpoints, 1 duplicate record (last wins)"), std::string::npos)
      << diff.err();
}

// The first chromium-like browser on PATH, or "".
std::string find_browser() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
      const fs::path candidate = fs::path(dir) / name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return {};
}

ProcessResult run_browser(const std::string& browser, const TempDir& dir,
                          const std::vector<std::string>& extra, const std::string& url) {
  const std::string profile = dir.file("profile-" + std::to_string(extra.size()));
  fs::create_directory(profile);
  std::vector<std::string> argv = {browser,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return run_process(argv, "", 120s);
}

struct PngSize {
  uint32_t width = 0, height = 0;
};

// Width and height from the IHDR chunk; zero when `bytes` is not a PNG.
PngSize png_size(const std::string& bytes) {
  static const std::string kSignature = "\x89PNG\r\n\x1a\n";
  if (bytes.size() < 24 || bytes.compare(0, 8, kSignature) != 0 || bytes.substr(12, 4) != "IHDR") {
    return {};
  }
  const auto be32 = [&](std::size_t at) {
    uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

TEST(ScanReadback, ReportOfTheFleetAsTextAndRenderedHtml) {
  const Fleet& f = fleet();
  TempDir dir;
  const ScanRun run = scan({f.cidr(), f.host("valid"), "nx.test"});
  ASSERT_EQ(run.exit_code(), 0) << run.describe();
  ASSERT_GE(run.records.size(), 14u);
  int ok = 0, expired = 0;
  for (const Record& r : run.records) {
    if (r.str("/status") == "ok") ++ok;
    if (r.finding("CERT_EXPIRED")) ++expired;
  }
  write_file(dir.file("scan.ndjson"), run.process.out + "{\"truncated\":\n");

  const std::string html_path = dir.file("report.html");
  const ProcessResult report = run_text({"report", dir.file("scan.ndjson"), "--html", html_path});
  ASSERT_EQ(report.exit_code, 0) << report.describe();
  const std::string& text = report.out;
  SCOPED_TRACE("report:\n" + text);
  EXPECT_NE(text.find(std::to_string(run.records.size()) + " endpoints from " +
                      std::to_string(run.records.size()) + " records"),
            std::string::npos);
  EXPECT_TRUE(std::regex_search(text, std::regex("\n  ok +" + std::to_string(ok) + "\n")));
  EXPECT_TRUE(std::regex_search(text, std::regex("\n  dns_error +1\n")));
  EXPECT_TRUE(std::regex_search(
      text, std::regex("critical +CERT_EXPIRED +certificate +" + std::to_string(expired) + "\n")));
  EXPECT_TRUE(std::regex_search(text, std::regex("\n  expired +1\n"))) << "one expired leaf";
  EXPECT_NE(text.find(leaf_subject(f.host("expired"))), std::string::npos);
  EXPECT_NE(text.find("malformed lines: 1 malformed line skipped (line " +
                      std::to_string(run.records.size() + 1) + ": "),
            std::string::npos);
  EXPECT_NE(text.find(kIntermediateSubject), std::string::npos) << "top issuer";

  const std::string html = read_file(html_path);
  ASSERT_FALSE(html.empty());
  EXPECT_NE(html.find(f.ip("expired")), std::string::npos);
  for (const char* outside : {"http:", "https:", "src=\"", "<link"}) {
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  }

  const std::string browser = find_browser();
  ASSERT_FALSE(browser.empty()) << "no chromium on PATH: scripts/setup.sh installs it";
  write_file(dir.file("blank.html"), "<!DOCTYPE html><html><body></body></html>");
  const std::string size = "--window-size=1280,2000";
  const ProcessResult blank =
      run_browser(browser, dir, {"--screenshot=" + dir.file("blank.png"), size},
                  "file://" + dir.file("blank.html"));
  const ProcessResult shot = run_browser(
      browser, dir, {"--screenshot=" + dir.file("report.png"), size, "--hide-scrollbars"},
      "file://" + html_path);
  ASSERT_EQ(shot.exit_code, 0) << shot.describe();
  const std::string png = read_file(dir.file("report.png"));
  const PngSize dims = png_size(png);
  EXPECT_EQ(dims.width, 1280u);
  EXPECT_EQ(dims.height, 2000u);
  const std::size_t blank_size = read_file(dir.file("blank.png")).size();
  EXPECT_GT(blank_size, 0u) << blank.describe();
  EXPECT_GT(png.size(), 5 * blank_size)
      << "a page of charts and tables compresses far worse than an empty one";
  if (const char* keep = std::getenv("TLSFLEET_REPORT_SCREENSHOT"))
    fs::copy_file(dir.file("report.png"), keep, fs::copy_options::overwrite_existing);

  // The sorting script ran: #sort=days puts the expired leaf's endpoint first.
  const ProcessResult dom =
      run_browser(browser, dir, {"--dump-dom"}, "file://" + html_path + "#sort=days");
  ASSERT_EQ(dom.exit_code, 0) << dom.describe();
  EXPECT_NE(dom.out.find("data-key=\"days\" data-type=\"num\" aria-sort=\"ascending\""),
            std::string::npos);
  const std::size_t body = dom.out.find("<tbody>", dom.out.find("id=\"endpoints\""));
  ASSERT_NE(body, std::string::npos);
  const std::string first_row = dom.out.substr(body, dom.out.find("</tr>", body) - body);
  EXPECT_NE(first_row.find(f.ip("expired")), std::string::npos) << first_row;
}

TEST(ScanReadback, EcsFormatOnARealScanAndReadBack) {
  const Fleet& f = fleet();
  TempDir dir;
  const std::vector<std::string> targets = {f.host("valid"), f.host("closed")};
  std::vector<std::string> args = {
      "scan",      "--format",  "ecs",       "--depth", "basic",         "--resolver", f.resolver(),
      "--ca-file", f.ca_file(), "--timeout", "2",       "--no-progress", "--ports",    f.port()};
  args.insert(args.end(), targets.begin(), targets.end());
  const ScanRun ecs = run_tlsfleet(args);
  ASSERT_EQ(ecs.exit_code(), 0) << ecs.describe();
  ASSERT_EQ(ecs.records.size(), 2u);
  for (const Record& r : ecs.records) {
    SCOPED_TRACE(r.line());
    EXPECT_FALSE(r.has("/schema")) << "no native top-level names";
    EXPECT_TRUE(std::regex_match(r.str("/@timestamp"),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    EXPECT_EQ(r.str("/event/dataset"), "tlsfleet.scan");
    EXPECT_EQ(r.integer("/server/port"), std::stoi(f.port()));
    EXPECT_EQ(r.str("/tlsfleet/schema"), "tlsfleet/1");
    if (r.str("/tlsfleet/target") == f.host("valid")) {
      EXPECT_EQ(r.str("/event/outcome"), "success");
      EXPECT_EQ(r.str("/server/ip"), f.ip("valid"));
      EXPECT_EQ(r.str("/server/domain"), f.host("valid"));
      EXPECT_EQ(r.str("/tls/version_protocol"), "tls");
      EXPECT_EQ(r.str("/tls/version"), "1.3");
      expect_tls13_cipher(r);
      EXPECT_TRUE(r.boolean("/tls/established"));
      EXPECT_EQ(r.str("/tls/client/server_name"), f.host("valid"));
      EXPECT_EQ(r.str("/tls/server/hash/sha256"), upper(f.sha256("valid")));
      EXPECT_EQ(normalize_hex(r.str("/tls/server/x509/serial_number"), true),
                normalize_hex(f.serial("valid"), true));
      EXPECT_EQ(r.str("/tls/server/x509/subject/distinguished_name"),
                leaf_subject(f.cert_name("valid")));
      EXPECT_EQ(r.strings("/tls/server/x509/subject/common_name"),
                std::vector<std::string>{f.cert_name("valid")});
      EXPECT_EQ(r.str("/tls/server/x509/issuer/distinguished_name"), kIntermediateSubject);
      EXPECT_EQ(r.strings("/tls/server/x509/alternative_names").front(), f.cert_name("valid"));
      EXPECT_TRUE(r.boolean("/tlsfleet/chain/trusted"));
      EXPECT_EQ(r.str("/tlsfleet/status"), "ok");
    } else {
      EXPECT_EQ(r.str("/tlsfleet/target"), f.host("closed"));
      EXPECT_EQ(r.str("/event/outcome"), "failure");
      EXPECT_EQ(r.str("/error/code"), "CONNECTION_REFUSED");
      EXPECT_EQ(r.str("/error/type"), "connect");
      EXPECT_FALSE(r.boolean("/tls/established"));
      EXPECT_EQ(r.str("/tlsfleet/status"), "connect_error");
    }
  }
  write_file(dir.file("ecs.ndjson"), ecs.process.out);

  // Read back: report counts it, and diff against a native scan of the same fleet is empty.
  const ProcessResult report = run_text({"report", dir.file("ecs.ndjson")});
  ASSERT_EQ(report.exit_code, 0) << report.describe();
  EXPECT_TRUE(std::regex_search(report.out, std::regex("\n  ok +1\n  connect_error +1\n")))
      << report.out;
  EXPECT_NE(report.out.find("malformed lines: 0"), std::string::npos);

  const ScanRun native = scan(targets);
  ASSERT_EQ(native.exit_code(), 0) << native.describe();
  write_file(dir.file("native.ndjson"), native.process.out);
  const ScanRun diff = run_tlsfleet({"diff", dir.file("native.ndjson"), dir.file("ecs.ndjson")});
  ASSERT_EQ(diff.exit_code(), 0) << diff.describe();
  EXPECT_TRUE(diff.records.empty()) << diff.process.out;
  EXPECT_NE(diff.err().find("0 events; old: 2 endpoints; new: 2 endpoints"), std::string::npos)
      << diff.err();
}

TEST(ScanReadback, UsageErrors) {
  const ScanRun missing = run_tlsfleet({"diff", "/nonexistent/a.ndjson", "/nonexistent/b.ndjson"});
  EXPECT_EQ(missing.exit_code(), 2) << missing.describe();
  EXPECT_NE(missing.err().find("/nonexistent/a.ndjson"), std::string::npos) << missing.err();
  const ProcessResult report = run_text({"report", "/nonexistent/scan.ndjson"});
  EXPECT_EQ(report.exit_code, 2) << report.describe();
  const ScanRun format = run_tlsfleet({"scan", "--format", "xml", "127.0.0.1"});
  EXPECT_EQ(format.exit_code(), 2) << format.describe();
  EXPECT_TRUE(format.process.out.empty());
}

}  // namespace
}  // namespace tlsfleet::integration
