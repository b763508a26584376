// The numbers `tlsfleet report` shows, computed once from a de-duplicated scan file and
// rendered as text (report_text.h) or HTML (report_html.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "output/ndjson_reader.h"

namespace tlsfleet::output {

using Count = std::pair<std::string, uint64_t>;  // a label and how many

struct FindingCount {
  std::string id;
  std::string severity;
  std::string cause;
  uint64_t endpoints = 0;
};

// One distinct leaf certificate (by SHA-256) and where it is served.
struct CertExpiry {
  std::string sha256;
  std::string subject;
  std::string issuer;
  std::string not_after;
  int64_t days_left = 0;  // from the report's time, floor of whole days
  uint64_t endpoints = 0;
  std::string first_endpoint;  // "target ip:port" of one endpoint serving it
};

// Expiry buckets, from the report's time: the text shows the first four, the HTML
// timeline all of them.
enum ExpiryBucket { kExpired, kWithin7, kWithin30, kWithin90, kWithin180, kWithin365, kLater };
inline constexpr std::size_t kExpiryBuckets = 7;
// "expired", "0-7 days", ...
const char* expiry_bucket_label(std::size_t bucket);
std::size_t expiry_bucket(int64_t days_left);

struct FleetReport {
  std::string source;  // the file name, as given
  int64_t now_unix = 0;
  uint64_t endpoints = 0;
  uint64_t records = 0;
  uint64_t duplicates = 0;
  ReadStats read;

  std::vector<Count> by_status;          // SCHEMA.md order, then unknown ones
  std::vector<Count> by_version;         // negotiated, newest first; "none" when no handshake
  std::vector<Count> accepted_versions;  // endpoints accepting each (depth >= standard)
  uint64_t versions_probed = 0;          // endpoints whose versions were probed
  std::vector<FindingCount> findings;    // worst severity first, then most endpoints
  std::vector<Count> findings_by_cause;  // endpoints with a finding of that cause
  std::array<uint64_t, kExpiryBuckets> expiry{};  // distinct certificates per bucket
  std::vector<CertExpiry> expiring;               // days_left <= 90, soonest first
  std::vector<Count> issuers;                     // distinct certificates per issuer, most first
  uint64_t certificates = 0;                      // distinct leaf certificates
};

// Aggregates `scan` as of `now_unix` (Unix seconds).
FleetReport build_report(const ScanFile& scan, std::string source, int64_t now_unix);

// "target ip:port" ("[v6]:port"), the way reports name an endpoint.
std::string endpoint_label(const EndpointSummary& e);

// Days from `now_unix` to the certificate's not_after (floor), or the record's days_left
// when not_after cannot be read.
int64_t days_left_at(const EndpointSummary& e, int64_t now_unix);

}  // namespace tlsfleet::output
