// What `diff` and `report` keep of one scan record: the endpoint's key and the facts people
// and change events care about, not the whole document. The NDJSON reader fills it from a
// native or an ECS record alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tlsfleet::output {

// The identity of an endpoint across scans: SCHEMA.md's (ip, port, sni). Empty strings stand
// for null. A record without an address (its DNS lookup failed) has no ip to tell it from
// another failed name, so `name` (the host, else the target) does that for it; it is empty
// whenever ip is set.
struct EndpointKey {
  std::string ip;
  uint16_t port = 0;
  std::string sni;
  std::string name;

  bool operator==(const EndpointKey&) const = default;
};

// A 64-bit FNV-1a digest of the key's fields; equal keys give equal fingerprints.
uint64_t key_fingerprint(const EndpointKey& key);

struct EndpointKeyHash {
  std::size_t operator()(const EndpointKey& key) const {
    return static_cast<std::size_t>(key_fingerprint(key));
  }
};

// "2026-11-27T18:00:00Z" (fractions and a "+00:00" offset accepted, other offsets applied)
// as Unix seconds; nullopt for anything else.
std::optional<int64_t> parse_rfc3339(std::string_view text);
// Unix seconds as "2026-11-27T18:00:00Z".
std::string format_rfc3339(int64_t unix_seconds);

// Severity of a finding as an order: 0 info .. 4 critical, -1 for a name SCHEMA.md lacks.
int severity_rank(std::string_view severity);

struct FindingSummary {
  std::string id;
  std::string severity;  // SCHEMA.md name
  std::string cause;
  std::string detail;
};

// One endpoint as a scan saw it. Strings are empty where the record had null or nothing.
struct EndpointSummary {
  EndpointKey key;
  std::string ts;
  std::string target;
  std::string host;
  std::string status;      // SCHEMA.md status
  std::string error_code;  // SCHEMA.md error.code
  std::string version;     // "TLSv1.3", native spelling even when read from ECS
  std::string cipher;

  bool has_cert = false;
  std::string cert_sha256;  // lower-case hex
  std::string cert_subject;
  std::string cert_issuer;
  std::string cert_not_after;  // RFC 3339
  int64_t days_left = 0;       // as of the scan

  // depth >= standard: version -> accepted, in record order.
  bool has_protocols = false;
  std::vector<std::pair<std::string, bool>> protocols;
  // depth full: version -> accepted suites.
  bool has_ciphers = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> ciphers;

  std::vector<FindingSummary> findings;
  bool from_ecs = false;  // the record was in --format ecs
  uint64_t line = 0;      // 1-based line number in its file

  // The worst finding's rank (severity_rank), -1 without findings.
  int worst_severity() const;
};

}  // namespace tlsfleet::output
