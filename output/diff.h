// `tlsfleet diff OLD NEW`: what changed between two scans, as NDJSON change events.
//
// Each event is one line:
//   {"event": NAME, "key": {"ip", "port", "sni"}, "target": ..., "old": VALUE, "new": VALUE}
// with both sides' values (null on the side where the endpoint is absent). Events, per
// endpoint in NEW's order, then the disappeared ones in OLD's order:
//   endpoint_appeared / endpoint_disappeared   the key is in one file only
//   status_changed     status or error.code differs ({"status", "error_code"})
//   negotiated_changed the main handshake's version or suite differs ({"version", "cipher"})
//   cert_rotated       the leaf's SHA-256 differs ({"sha256", "issuer", "not_after"})
//   expiry_changed     the leaf's not_after differs ({"not_after", "days_left"})
//   finding_appeared / finding_resolved        per finding id ({"id", "severity", "cause"})
//   version_enabled / version_disabled         per accepted protocol version, when both
//                                              scans probed versions ({"version", "accepted"})
//   cipher_enabled / cipher_disabled           per suite, for versions both scans enumerated
//                                              ({"version", "cipher", "accepted"})
// Certificate events need a certificate on both sides; an endpoint that stopped answering
// gives status_changed, not a rotation.
//
// Memory: OLD is held in a CompactScan (compact_scan.h), about 250 bytes per endpoint
// whatever the size of its records; NEW is streamed twice: a first pass, on a second
// thread while OLD loads, finds the keys NEW repeats (8 bytes per NEW record), so that the
// last record of a key wins in NEW as in OLD; the second pass compares.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "output/ndjson_reader.h"

namespace tlsfleet::output {

enum class ChangeEvent {
  kEndpointAppeared,
  kEndpointDisappeared,
  kStatusChanged,
  kNegotiatedChanged,
  kCertRotated,
  kExpiryChanged,
  kFindingAppeared,
  kFindingResolved,
  kVersionEnabled,
  kVersionDisabled,
  kCipherEnabled,
  kCipherDisabled,
};
inline constexpr std::size_t kChangeEventCount = 12;

// "endpoint_appeared", ...
const char* change_event_name(ChangeEvent event);

struct DiffStats {
  ReadStats old_read;
  ReadStats new_read;
  uint64_t old_endpoints = 0;  // distinct keys
  uint64_t new_endpoints = 0;
  uint64_t old_duplicates = 0;  // records replaced by a later one of the same key
  uint64_t new_duplicates = 0;
  std::array<uint64_t, kChangeEventCount> events{};  // by ChangeEvent

  uint64_t total_events() const;
  // One line for stderr: event counts, endpoints, duplicates and malformed lines per side.
  std::string describe() const;
};

// Receives the output in chunks of whole lines; returns false to stop (a write failed).
using LineSink = std::function<bool(std::string_view chunk)>;

// Compares two scan files and writes the change events to `sink`. Malformed lines are
// skipped and counted in `stats`. Returns false, with *error, when a file cannot be
// opened or read, or when the sink refused output.
bool diff_scan_files(const std::string& old_path, const std::string& new_path, const LineSink& sink,
                     DiffStats* stats, std::string* error);

}  // namespace tlsfleet::output
