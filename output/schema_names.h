// SCHEMA.md's names for the enums of EndpointResult. output/ cannot link scanner/, so the
// record writer owns its own copy of these strings; they are part of the output contract
// and change only with a new schema version.
#pragma once

#include <cstddef>
#include <string_view>

#include "scanner/endpoint_result.h"

namespace tlsfleet::output {

// Number of scanner::Status values; progress counters are indexed by the enum's value.
inline constexpr std::size_t kStatusCount = 7;
static_assert(static_cast<std::size_t>(scanner::Status::kCancelled) + 1 == kStatusCount,
              "a Status was added: update kStatusCount and status_text()");

// The names are string_views, not C strings: records copy them by their length, and a
// C string would cost a strlen() per record for each.
//
// The names are distinct from scanner::status_name() on purpose: an unqualified call with a
// scanner::Status argument would otherwise find both through argument-dependent lookup.

// SCHEMA.md `status`: "ok", "dns_error", ...
constexpr std::string_view status_text(scanner::Status status) {
  switch (status) {
    case scanner::Status::kOk:
      return "ok";
    case scanner::Status::kDnsError:
      return "dns_error";
    case scanner::Status::kConnectError:
      return "connect_error";
    case scanner::Status::kTimeout:
      return "timeout";
    case scanner::Status::kTlsError:
      return "tls_error";
    case scanner::Status::kNotTls:
      return "not_tls";
    case scanner::Status::kCancelled:
      return "cancelled";
  }
  return "tls_error";
}

// SCHEMA.md `error.stage`: "dns", "connect", "tls".
constexpr std::string_view stage_text(scanner::ErrorStage stage) {
  switch (stage) {
    case scanner::ErrorStage::kDns:
      return "dns";
    case scanner::ErrorStage::kConnect:
      return "connect";
    case scanner::ErrorStage::kTls:
      return "tls";
  }
  return "tls";
}

// SCHEMA.md finding `severity`: "critical", "high", "medium", "low", "info".
constexpr std::string_view severity_text(scanner::Severity severity) {
  switch (severity) {
    case scanner::Severity::kInfo:
      return "info";
    case scanner::Severity::kLow:
      return "low";
    case scanner::Severity::kMedium:
      return "medium";
    case scanner::Severity::kHigh:
      return "high";
    case scanner::Severity::kCritical:
      return "critical";
  }
  return "info";
}

}  // namespace tlsfleet::output
