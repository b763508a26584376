#include "output/report_html.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace tlsfleet::output {

namespace {

constexpr const char* kStyle = R"CSS(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
background:#f4f5f7;color:#1d2733;font-size:14px}
main{max-width:1240px;margin:0 auto;padding:20px 24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 10px}
.sub{color:#5b6673;margin:0 0 16px}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px;box-shadow:0 1px 2px #0002}
.tile b{display:block;font-size:26px}.tile span{color:#5b6673;font-size:12px}
.tile.bad b{color:#c62828}.tile.warn b{color:#ef6c00}.tile.good b{color:#2e7d32}
.charts{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;margin-top:16px}
.card{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0002}
.card h3{font-size:14px;margin:0 0 8px}
svg text{font-size:11px;fill:#37414d}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}
th,td{padding:5px 8px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#e9edf2;font-size:12px;white-space:nowrap}
td{font-size:12px;overflow-wrap:break-word}
td small{display:block;font-weight:400;color:#5b6673}
#endpoints th{cursor:pointer;user-select:none}
#endpoints th[aria-sort=ascending]::after{content:" \25B2"}
#endpoints th[aria-sort=descending]::after{content:" \25BC"}
.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{white-space:nowrap;font-weight:600;border-radius:4px;padding:1px 6px;color:#fff;font-size:11px}
.sev-critical{background:#b71c1c}.sev-high{background:#e53935}.sev-medium{background:#fb8c00}
.sev-low{background:#f9a825}.sev-info{background:#78909c}
.st-ok{color:#2e7d32}.st-bad{color:#c62828;font-weight:600}
.note{color:#5b6673;font-size:12px}
)CSS";

// Sorts the endpoint table; data values are never read from the script itself.
constexpr const char* kScript = R"JS(
(function () {
  var table = document.getElementById('endpoints');
  if (!table) return;
  var heads = table.tHead.rows[0].cells, body = table.tBodies[0];
  function value(row, i, numeric) {
    var cell = row.cells[i], v = cell.getAttribute('data-v');
    if (v === null) v = cell.textContent;
    return numeric ? parseFloat(v) : v.toLowerCase();
  }
  function sortBy(i, dir) {
    var numeric = heads[i].getAttribute('data-type') === 'num';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, i, numeric), y = value(b, i, numeric);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    for (var j = 0; j < heads.length; j++) {
      heads[j].setAttribute('aria-sort', j === i ? (dir > 0 ? 'ascending' : 'descending') : 'none');
    }
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    th.addEventListener('click', function () {
      sortBy(i, th.getAttribute('aria-sort') === 'ascending' ? -1 : 1);
    });
  });
  var m = /^#sort=(-?)([a-z]+)$/.exec(location.hash);
  for (var i = 0; m && i < heads.length; i++) {
    if (heads[i].getAttribute('data-key') === m[2]) sortBy(i, m[1] ? -1 : 1);
  }
})();
)JS";

constexpr const char* kBucketColors[kExpiryBuckets] = {"#b71c1c", "#e53935", "#fb8c00", "#fdd835",
                                                       "#9ccc65", "#66bb6a", "#2e7d32"};
constexpr const char* kPalette[] = {"#3949ab", "#00897b", "#8e24aa", "#f4511e",
                                    "#6d4c41", "#039be5", "#c0ca33", "#546e7a"};

struct Bar {
  std::string label;
  uint64_t value = 0;
  std::string color;
};

std::string version_color(std::string_view version) {
  if (version == "TLSv1.3") return "#2e7d32";
  if (version == "TLSv1.2") return "#7cb342";
  if (version == "TLSv1.1" || version == "TLSv1.0") return "#fb8c00";
  if (version.starts_with("SSL")) return "#c62828";
  return "#90a4ae";
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Vertical bars with their count on top and the label below: the expiry timeline.
std::string svg_columns(std::string_view title, const std::vector<Bar>& bars) {
  const double width = 380, height = 220, top = 18, bottom = 44, left = 8;
  uint64_t max = 1;
  for (const Bar& b : bars) max = std::max(max, b.value);
  const double slot =
      (width - 2 * left) / static_cast<double>(std::max<std::size_t>(1, bars.size()));
  std::string svg = "<svg viewBox=\"0 0 " + fmt(width) + " " + fmt(height) +
                    "\" width=\"100%\" role=\"img\"><title>" + html_escape(title) + "</title>";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double h =
        (height - top - bottom) * static_cast<double>(b.value) / static_cast<double>(max);
    const double x = left + slot * static_cast<double>(i);
    const double y = height - bottom - h;
    svg += "<rect x=\"" + fmt(x + slot * 0.15) + "\" y=\"" + fmt(y) + "\" width=\"" +
           fmt(slot * 0.7) + "\" height=\"" + fmt(h) + "\" fill=\"" + b.color + "\"/>";
    svg += "<text x=\"" + fmt(x + slot / 2) + "\" y=\"" + fmt(y - 4) +
           "\" text-anchor=\"middle\">" + std::to_string(b.value) + "</text>";
    svg += "<text x=\"" + fmt(x + slot / 2) + "\" y=\"" + fmt(height - bottom + 16) +
           "\" text-anchor=\"middle\">" + html_escape(b.label) + "</text>";
  }
  svg += "<line x1=\"" + fmt(left) + "\" x2=\"" + fmt(width - left) + "\" y1=\"" +
         fmt(height - bottom) + "\" y2=\"" + fmt(height - bottom) + "\" stroke=\"#90a4ae\"/>";
  return svg + "</svg>";
}

// Horizontal bars, label on the left and count on the right: versions, causes.
std::string svg_rows(std::string_view title, const std::vector<Bar>& bars) {
  const double width = 380, row = 26, label = 110, right = 44;
  const double height = std::max(1.0, static_cast<double>(bars.size())) * row + 8;
  uint64_t max = 1;
  for (const Bar& b : bars) max = std::max(max, b.value);
  std::string svg = "<svg viewBox=\"0 0 " + fmt(width) + " " + fmt(height) +
                    "\" width=\"100%\" role=\"img\"><title>" + html_escape(title) + "</title>";
  if (bars.empty()) svg += "<text x=\"8\" y=\"20\">nothing to show</text>";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = 4 + row * static_cast<double>(i);
    const double w =
        (width - label - right) * static_cast<double>(b.value) / static_cast<double>(max);
    svg += "<text x=\"" + fmt(label - 6) + "\" y=\"" + fmt(y + 16) + "\" text-anchor=\"end\">" +
           html_escape(b.label) + "</text>";
    svg += "<rect x=\"" + fmt(label) + "\" y=\"" + fmt(y + 3) + "\" width=\"" + fmt(w) +
           "\" height=\"" + fmt(row - 8) + "\" rx=\"3\" fill=\"" + b.color + "\"/>";
    svg += "<text x=\"" + fmt(label + w + 5) + "\" y=\"" + fmt(y + 16) + "\">" +
           std::to_string(b.value) + "</text>";
  }
  return svg + "</svg>";
}

// Escaped, with a line-break opportunity after each '_', so that long suite names and
// finding ids wrap at their parts instead of widening the table.
std::string breakable(std::string_view text) {
  std::string out;
  for (char c : html_escape(text)) {
    out.push_back(c);
    if (c == '_') out += "<wbr>";
  }
  return out;
}

void tile(std::string& out, uint64_t value, std::string_view label, std::string_view kind) {
  out += "<div class=\"tile " + std::string(kind) + "\"><b>" + std::to_string(value) +
         "</b><span>" + html_escape(label) + "</span></div>";
}

std::string severity_badge(std::string_view severity) {
  if (severity_rank(severity) < 0) return html_escape(severity);
  return "<span class=\"sev sev-" + std::string(severity) + "\">" + std::string(severity) +
         "</span>";
}

void charts(std::string& out, const FleetReport& r) {
  std::vector<Bar> expiry, versions, causes;
  // Short axis labels, so that seven fit side by side.
  static constexpr const char* kShort[kExpiryBuckets] = {"expired", "0-7",     "8-30", "31-90",
                                                         "91-180",  "181-365", ">365"};
  for (std::size_t b = 0; b < kExpiryBuckets; ++b) {
    expiry.push_back({kShort[b], r.expiry[b], kBucketColors[b]});
  }
  // Accepted versions say more than the negotiated one (TLS 1.0 still on?) when probed.
  const bool accepted = r.versions_probed > 0;
  for (const auto& [version, n] : accepted ? r.accepted_versions : r.by_version) {
    versions.push_back({version, n, version_color(version)});
  }
  std::size_t color = 0;
  for (const auto& [cause, n] : r.findings_by_cause) {
    causes.push_back({cause, n, kPalette[color++ % std::size(kPalette)]});
  }
  out += "<div class=\"charts\">";
  out += "<div class=\"card\"><h3>Certificate expiry timeline (certificates by days left)</h3>" +
         svg_columns("Certificates by days until expiry", expiry) + "</div>";
  out += accepted ? "<div class=\"card\"><h3>TLS versions accepted (of " +
                        std::to_string(r.versions_probed) + " endpoints probed)</h3>"
                  : std::string("<div class=\"card\"><h3>Negotiated TLS version (endpoints)</h3>");
  out += svg_rows("Endpoints by TLS version", versions) + "</div>";
  out += "<div class=\"card\"><h3>Findings by cause (endpoints)</h3>" +
         svg_rows("Endpoints with findings, by cause", causes) + "</div>";
  out += "</div>";
}

void endpoint_table(std::string& out, const FleetReport& r, const ScanFile& scan) {
  std::vector<const EndpointSummary*> rows;
  for (const EndpointSummary& e : scan.endpoints) rows.push_back(&e);
  const auto days = [&](const EndpointSummary* e) {
    return e->has_cert ? days_left_at(*e, r.now_unix) : INT64_MAX;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const EndpointSummary* a, const EndpointSummary* b) {
                     const int wa = a->worst_severity(), wb = b->worst_severity();
                     return wa != wb ? wa > wb : days(a) < days(b);
                   });
  const std::size_t shown = std::min(rows.size(), kHtmlTableRows);
  out += "<h2>Endpoints</h2><p class=\"note\">Click a column to sort.";
  if (shown < rows.size()) {
    out += " The " + std::to_string(shown) + " worst of " + std::to_string(rows.size()) +
           " endpoints are listed.";
  }
  out += "</p><table id=\"endpoints\"><thead><tr>";
  const char* heads[][3] = {{"endpoint", "Endpoint", "text"}, {"sni", "SNI", "text"},
                            {"status", "Status", "text"},     {"version", "Version", "text"},
                            {"cipher", "Cipher", "text"},     {"days", "Days left", "num"},
                            {"expires", "Expires", "text"},   {"issuer", "Issuer", "text"},
                            {"severity", "Worst", "num"},     {"findings", "Findings", "text"}};
  for (const auto& h : heads) {
    out +=
        std::string("<th data-key=\"") + h[0] + "\" data-type=\"" + h[2] + "\">" + h[1] + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (std::size_t i = 0; i < shown; ++i) {
    const EndpointSummary& e = *rows[i];
    const int64_t d = days(&e);
    std::string ids;
    for (const FindingSummary& f : e.findings) ids += (ids.empty() ? "" : ", ") + f.id;
    const int worst = e.worst_severity();
    std::string worst_cell;
    for (const FindingSummary& f : e.findings) {
      if (severity_rank(f.severity) == worst) {
        worst_cell = severity_badge(f.severity);
        break;
      }
    }
    out += "<tr><td>" + html_escape(endpoint_label(e)) + "</td><td>" + html_escape(e.key.sni) +
           "</td><td class=\"" + (e.status == "ok" ? "st-ok" : "st-bad") + "\">" +
           html_escape(e.status) +
           (e.error_code.empty() ? "" : "<small>" + html_escape(e.error_code) + "</small>") +
           "</td><td>" + html_escape(e.version) + "</td><td>" + html_escape(e.cipher) +
           "</td><td class=\"num\" data-v=\"" + (e.has_cert ? std::to_string(d) : "1e9") + "\">" +
           (e.has_cert ? std::to_string(d) : "") + "</td><td>" + html_escape(e.cert_not_after) +
           "</td><td>" + html_escape(e.cert_issuer) + "</td><td data-v=\"" + std::to_string(worst) +
           "\">" + worst_cell + "</td><td>" + breakable(ids) + "</td></tr>";
  }
  out += "</tbody></table>";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7f) break;
        out.push_back(c);
    }
  }
  return out;
}

std::string render_report_html(const FleetReport& r, const ScanFile& scan) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>tlsfleet report: " +
      html_escape(r.source) + "</title><style>" + kStyle + "</style></head><body><main>";
  out += "<h1>tlsfleet fleet report</h1><p class=\"sub\">" + html_escape(r.source) +
         " &middot; as of " + format_rfc3339(r.now_unix) + " &middot; " +
         std::to_string(r.records) + " records";
  if (r.duplicates > 0) out += ", " + std::to_string(r.duplicates) + " duplicates replaced";
  out += "</p>";

  uint64_t ok = 0, critical_high = 0;
  for (const auto& [status, n] : r.by_status) {
    if (status == "ok") ok = n;
  }
  for (const EndpointSummary& e : scan.endpoints) {
    if (e.worst_severity() >= severity_rank("high")) ++critical_high;
  }
  out += "<div class=\"tiles\">";
  tile(out, r.endpoints, "endpoints", "");
  tile(out, ok, "answered TLS (ok)", "good");
  tile(out, r.endpoints - ok, "failed (not ok)", r.endpoints > ok ? "bad" : "");
  tile(out, critical_high, "with a high or critical finding", critical_high ? "bad" : "good");
  tile(out, r.expiry[kExpired], "expired certificates", r.expiry[kExpired] ? "bad" : "good");
  tile(out, r.expiry[kWithin7] + r.expiry[kWithin30], "certificates expiring in 30 days",
       r.expiry[kWithin7] + r.expiry[kWithin30] ? "warn" : "good");
  tile(out, r.read.malformed, "malformed lines skipped", r.read.malformed ? "warn" : "");
  out += "</div>";
  if (r.read.malformed > 0)
    out += "<p class=\"note\">" + html_escape(describe_malformed(r.read)) + "</p>";

  charts(out, r);

  out +=
      "<h2>Findings, worst first</h2><table><thead><tr><th>Severity</th><th>Finding</th>"
      "<th>Cause</th><th class=\"num\">Endpoints</th></tr></thead><tbody>";
  for (const FindingCount& f : r.findings) {
    out += "<tr><td>" + severity_badge(f.severity) + "</td><td>" + html_escape(f.id) + "</td><td>" +
           html_escape(f.cause) + "</td><td class=\"num\">" + std::to_string(f.endpoints) +
           "</td></tr>";
  }
  if (r.findings.empty()) out += "<tr><td colspan=\"4\">No findings.</td></tr>";
  out += "</tbody></table>";

  out +=
      "<h2>Certificates expiring within 90 days or expired</h2><table><thead><tr>"
      "<th class=\"num\">Days left</th><th>Not after</th><th>Subject</th><th>Issuer</th>"
      "<th>Served at</th></tr></thead><tbody>";
  for (const CertExpiry& c : r.expiring) {
    out += "<tr><td class=\"num\">" + std::to_string(c.days_left) + "</td><td>" +
           html_escape(c.not_after) + "</td><td>" + html_escape(c.subject) + "</td><td>" +
           html_escape(c.issuer) + "</td><td>" + html_escape(c.first_endpoint) +
           (c.endpoints > 1 ? " and " + std::to_string(c.endpoints - 1) + " more" : "") +
           "</td></tr>";
  }
  if (r.expiring.empty()) out += "<tr><td colspan=\"5\">None.</td></tr>";
  out += "</tbody></table>";

  out +=
      "<h2>Top issuers</h2><table><thead><tr><th>Issuer</th><th class=\"num\">Certificates"
      "</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < std::min<std::size_t>(r.issuers.size(), 10); ++i) {
    out += "<tr><td>" + html_escape(r.issuers[i].first) + "</td><td class=\"num\">" +
           std::to_string(r.issuers[i].second) + "</td></tr>";
  }
  out += "</tbody></table>";

  endpoint_table(out, r, scan);
  out += "</main><script>" + std::string(kScript) + "</script></body></html>\n";
  return out;
}

}  // namespace tlsfleet::output
