// FullEnumeration: the cipher suites of every accepted version and the key-exchange
// groups, for --depth full, by hand-built hellos (tls/suite_enumeration.h): offer all,
// remove what the server picked, ask again. Pure logic; the job sends the hellos.
//
// Connections: for each accepted version, its accepted suites + 1 (the refusal that
// proves the list complete), + 1 for the server-preference test (highest version
// only), + accepted groups + 1 (TLS 1.3 by HelloRetryRequest, else TLS 1.2 ECDHE).
// SSLv2's suites come free with the standard SSLv2 probe's SERVER-HELLO.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tls/suite_enumeration.h"

namespace tlsfleet::scanner {

class FullEnumeration {
 public:
  // accepted_versions: IANA version codes (tls::kSsl3 .. tls::kTls13) the server took.
  FullEnumeration(const std::vector<uint16_t>& accepted_versions,
                  const std::optional<std::string>& sni);

  // The next hello to send, or nullopt when everything is enumerated.
  std::optional<tls::PlannedProbe> next();
  void record(const tls::ProbeOutcome& outcome);

  // version name ("TLSv1.3") -> accepted suites (IANA names), highest version first.
  std::vector<std::pair<std::string, std::vector<std::string>>> ciphers() const;
  std::optional<bool> server_preference() const;
  // Accepted groups (IANA names), nullopt when none was enumerated.
  std::optional<std::vector<std::string>> groups() const;
  // Every enumeration ran to its end (no connection cut it short).
  bool complete() const;

 private:
  std::vector<std::unique_ptr<tls::SuiteEnumerator>> suites_;  // highest version first
  std::unique_ptr<tls::GroupEnumerator> groups_;
  size_t current_ = 0;  // index into suites_; suites_.size() means groups
};

}  // namespace tlsfleet::scanner
