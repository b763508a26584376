#include "output/report_model.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace tlsfleet::output {

namespace {

constexpr int64_t kDay = 86400;
const std::initializer_list<const char*> kStatusOrder = {
    "ok", "dns_error", "connect_error", "timeout", "tls_error", "not_tls", "cancelled"};
const std::initializer_list<const char*> kVersionOrder = {"TLSv1.3", "TLSv1.2", "TLSv1.1",
                                                          "TLSv1.0", "SSLv3",   "SSLv2"};

// Counts in a fixed order first, then any other label by count.
std::vector<Count> ordered(const std::map<std::string, uint64_t>& counts,
                           std::initializer_list<const char*> order) {
  std::vector<Count> out;
  for (const char* label : order) {
    if (auto it = counts.find(label); it != counts.end()) out.emplace_back(*it);
  }
  std::vector<Count> rest;
  for (const auto& count : counts) {
    const std::string& label = count.first;  // captured below: no structured binding (clang 14)
    const uint64_t n = count.second;
    if (std::find_if(order.begin(), order.end(), [&](const char* l) { return label == l; }) ==
        order.end()) {
      rest.emplace_back(label, n);
    }
  }
  std::stable_sort(rest.begin(), rest.end(),
                   [](const Count& a, const Count& b) { return a.second > b.second; });
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::vector<Count> by_count(const std::map<std::string, uint64_t>& counts) {
  std::vector<Count> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const Count& a, const Count& b) { return a.second > b.second; });
  return out;
}

}  // namespace

const char* expiry_bucket_label(std::size_t bucket) {
  static constexpr const char* kLabels[kExpiryBuckets] = {
      "expired", "0-7 days", "8-30 days", "31-90 days", "91-180 days", "181-365 days", "later"};
  return bucket < kExpiryBuckets ? kLabels[bucket] : "";
}

std::size_t expiry_bucket(int64_t days_left) {
  if (days_left < 0) return kExpired;
  if (days_left <= 7) return kWithin7;
  if (days_left <= 30) return kWithin30;
  if (days_left <= 90) return kWithin90;
  if (days_left <= 180) return kWithin180;
  if (days_left <= 365) return kWithin365;
  return kLater;
}

std::string endpoint_label(const EndpointSummary& e) {
  std::string where = e.key.ip.empty() ? (e.host.empty() ? e.target : e.host) : e.key.ip;
  if (where.find(':') != std::string::npos) where = "[" + where + "]";
  where += ":" + std::to_string(e.key.port);
  return e.target == e.key.ip || e.target.empty() ? where : e.target + " " + where;
}

int64_t days_left_at(const EndpointSummary& e, int64_t now_unix) {
  const auto not_after = parse_rfc3339(e.cert_not_after);
  if (!not_after) return e.days_left;
  const int64_t seconds = *not_after - now_unix;
  return seconds >= 0 ? seconds / kDay : -((-seconds + kDay - 1) / kDay);
}

FleetReport build_report(const ScanFile& scan, std::string source, int64_t now_unix) {
  FleetReport r;
  r.source = std::move(source);
  r.now_unix = now_unix;
  r.endpoints = scan.endpoints.size();
  r.records = scan.stats.records;
  r.duplicates = scan.duplicates;
  r.read = scan.stats;

  std::map<std::string, uint64_t> status, version, accepted, causes, issuers;
  std::map<std::string, FindingCount> findings;
  std::unordered_map<std::string, CertExpiry> certs;  // by sha256
  for (const EndpointSummary& e : scan.endpoints) {
    ++status[e.status];
    ++version[e.version.empty() ? "none" : e.version];
    if (e.has_protocols) {
      ++r.versions_probed;
      for (const auto& [name, on] : e.protocols) {
        if (on) ++accepted[name];
      }
    }
    std::vector<std::string_view> seen_causes;
    for (const FindingSummary& f : e.findings) {
      FindingCount& count = findings[f.id];
      if (count.endpoints == 0 || severity_rank(f.severity) > severity_rank(count.severity)) {
        count.id = f.id;
        count.severity = f.severity;
        count.cause = f.cause;
      }
      ++count.endpoints;
      if (std::find(seen_causes.begin(), seen_causes.end(), f.cause) == seen_causes.end()) {
        seen_causes.push_back(f.cause);
        ++causes[f.cause];
      }
    }
    if (!e.has_cert) continue;
    auto [it, added] = certs.try_emplace(e.cert_sha256);
    CertExpiry& cert = it->second;
    if (added) {
      cert.sha256 = e.cert_sha256;
      cert.subject = e.cert_subject;
      cert.issuer = e.cert_issuer;
      cert.not_after = e.cert_not_after;
      cert.days_left = days_left_at(e, now_unix);
      cert.first_endpoint = endpoint_label(e);
      ++issuers[e.cert_issuer];
    }
    ++cert.endpoints;
  }

  r.by_status = ordered(status, kStatusOrder);
  r.by_version = ordered(version, kVersionOrder);
  r.accepted_versions = ordered(accepted, kVersionOrder);
  for (auto& [id, count] : findings) r.findings.push_back(std::move(count));
  std::stable_sort(r.findings.begin(), r.findings.end(),
                   [](const FindingCount& a, const FindingCount& b) {
                     const int ra = severity_rank(a.severity), rb = severity_rank(b.severity);
                     return ra != rb ? ra > rb : a.endpoints > b.endpoints;
                   });
  r.findings_by_cause = by_count(causes);
  r.issuers = by_count(issuers);
  r.certificates = certs.size();
  for (auto& [sha, cert] : certs) {
    ++r.expiry[expiry_bucket(cert.days_left)];
    if (cert.days_left <= 90) r.expiring.push_back(std::move(cert));
  }
  std::sort(r.expiring.begin(), r.expiring.end(), [](const CertExpiry& a, const CertExpiry& b) {
    return a.days_left != b.days_left ? a.days_left < b.days_left : a.sha256 < b.sha256;
  });
  return r;
}

}  // namespace tlsfleet::output
