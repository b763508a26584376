#include "scanner/full_enumeration.h"

#include <algorithm>

#include "tls/client_hello.h"
#include "tls/iana_registry.h"

namespace tlsfleet::scanner {

FullEnumeration::FullEnumeration(const std::vector<uint16_t>& accepted_versions,
                                 const std::optional<std::string>& sni) {
  std::vector<uint16_t> versions = accepted_versions;
  std::sort(versions.rbegin(), versions.rend());
  bool first = true;
  for (uint16_t version : versions) {
    if (version < tls::kSsl3) continue;  // SSLv2's list comes with its SERVER-HELLO
    tls::SuiteEnumerationOptions options;
    // Whether the server or the client chooses is one setting of the server: asking it
    // at the highest version is enough, and keeps the connection count down.
    options.test_server_preference = first;
    first = false;
    suites_.push_back(std::make_unique<tls::SuiteEnumerator>(
        version, tls::candidate_suites(version), tls::probe_spec(version, sni), options));
  }
  auto has = [&](uint16_t v) {
    return std::find(versions.begin(), versions.end(), v) != versions.end();
  };
  uint16_t group_version = has(tls::kTls13) ? tls::kTls13 : has(tls::kTls12) ? tls::kTls12 : 0;
  if (group_version != 0) {
    groups_ = std::make_unique<tls::GroupEnumerator>(
        group_version, tls::candidate_groups(group_version), tls::probe_spec(group_version, sni));
  }
}

std::optional<tls::PlannedProbe> FullEnumeration::next() {
  while (current_ < suites_.size()) {
    if (auto probe = suites_[current_]->next()) return probe;
    ++current_;
  }
  if (groups_) return groups_->next();
  return std::nullopt;
}

void FullEnumeration::record(const tls::ProbeOutcome& outcome) {
  if (current_ < suites_.size()) {
    suites_[current_]->record(outcome);
  } else if (groups_) {
    groups_->record(outcome);
  }
}

std::vector<std::pair<std::string, std::vector<std::string>>> FullEnumeration::ciphers() const {
  std::vector<std::pair<std::string, std::vector<std::string>>> result;
  for (const auto& e : suites_) {
    if (e->accepted().empty() && !e->finished()) continue;
    std::vector<std::string> names;
    for (uint16_t code : e->accepted()) {
      auto name = tls::cipher_suite_name(code);
      names.push_back(name ? std::string(*name) : "0x" + std::to_string(code));
    }
    // The version is the one the enumerator was built for.
    result.emplace_back(std::string(tls::protocol_version_name(e->version()).value_or("?")),
                        std::move(names));
  }
  return result;
}

std::optional<bool> FullEnumeration::server_preference() const {
  for (const auto& e : suites_) {
    if (e->server_preference()) return e->server_preference();
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> FullEnumeration::groups() const {
  if (!groups_) return std::nullopt;
  std::vector<std::string> names;
  for (uint16_t code : groups_->accepted()) {
    auto name = tls::group_name(code);
    names.push_back(name ? std::string(*name) : "0x" + std::to_string(code));
  }
  return names;
}

bool FullEnumeration::complete() const {
  for (const auto& e : suites_) {
    if (!e->complete()) return false;
  }
  return !groups_ || groups_->complete();
}

}  // namespace tlsfleet::scanner
