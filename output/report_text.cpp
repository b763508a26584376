#include "output/report_text.h"

#include <algorithm>
#include <cstdio>

namespace tlsfleet::output {

namespace {

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string number(uint64_t n, std::size_t width = 8) {
  std::string text = std::to_string(n);
  return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}

void counts(std::string& out, const std::vector<Count>& rows) {
  if (rows.empty()) out += "  (none)\n";
  for (const auto& [label, n] : rows) out += "  " + pad(printable(label), 18) + number(n) + "\n";
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    if (*p < 0x20 || *p == 0x7f) {
      out.push_back('?');
      ++p;
    } else if (*p == 0xC2 && p + 1 < end && p[1] >= 0x80 && p[1] <= 0x9F) {
      out.push_back('?');  // C1 controls, U+0080..U+009F (CSI and friends)
      p += 2;
    } else if (*p == 0xE2 && p + 2 < end &&
               ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||   // U+202A..U+202E
                (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9))) {  // U+2066..U+2069
      out.push_back('?');
      p += 3;
    } else {
      out.push_back(static_cast<char>(*p));
      ++p;
    }
  }
  return out;
}

std::string render_report_text(const FleetReport& r) {
  std::string out =
      "tlsfleet report: " + printable(r.source) + " (as of " + format_rfc3339(r.now_unix) + ")\n";
  out += plural(r.endpoints, "endpoint", "endpoints") + " from " +
         plural(r.records, "record", "records");
  if (r.duplicates > 0) {
    out += " (" + plural(r.duplicates, "duplicate", "duplicates") + " replaced by a later record)";
  }
  out += "; " + plural(r.certificates, "distinct certificate", "distinct certificates") + "\n";
  out += r.read.malformed == 0 ? "malformed lines: 0\n"
                               : "malformed lines: " + printable(describe_malformed(r.read)) + "\n";

  out += "\nEndpoints by status\n";
  counts(out, r.by_status);
  out += "\nNegotiated TLS version\n";
  counts(out, r.by_version);
  if (r.versions_probed > 0) {
    out += "\nAccepted versions (of " + plural(r.versions_probed, "endpoint", "endpoints") +
           " probed)\n";
    counts(out, r.accepted_versions);
  }

  out += "\nFindings, worst first" + std::string(40, ' ') + "endpoints\n";
  if (r.findings.empty()) out += "  (none)\n";
  for (const FindingCount& f : r.findings) {
    out += "  " + pad(printable(f.severity), 10) + pad(printable(f.id), 30) +
           pad(printable(f.cause), 20) + number(f.endpoints) + "\n";
  }
  if (!r.findings_by_cause.empty()) {
    out += "\nEndpoints with findings, by cause\n";
    counts(out, r.findings_by_cause);
  }

  out += "\nCertificates by expiry (" + std::to_string(r.certificates) + " distinct)\n";
  for (std::size_t b = kExpired; b <= kWithin90; ++b) {
    out += "  " + pad(expiry_bucket_label(b), 18) + number(r.expiry[b]) + "\n";
  }
  const std::size_t listed = std::min(r.expiring.size(), kTextExpiringListed);
  for (std::size_t i = 0; i < listed; ++i) {
    const CertExpiry& c = r.expiring[i];
    char days[32];
    std::snprintf(days, sizeof days, "%6lldd", static_cast<long long>(c.days_left));
    out += "  " + std::string(days) + "  " + pad(printable(c.not_after), 22) +
           printable(c.subject) + "  (" + printable(c.first_endpoint);
    if (c.endpoints > 1) out += " and " + std::to_string(c.endpoints - 1) + " more";
    out += ")\n";
  }
  if (r.expiring.size() > listed) {
    out += "  ... and " + std::to_string(r.expiring.size() - listed) + " more within 90 days\n";
  }

  out += "\nTop issuers (distinct certificates)\n";
  if (r.issuers.empty()) out += "  (none)\n";
  for (std::size_t i = 0; i < std::min(r.issuers.size(), kTextIssuersListed); ++i) {
    out += number(r.issuers[i].second) + "  " + printable(r.issuers[i].first) + "\n";
  }
  return out;
}

}  // namespace tlsfleet::output
