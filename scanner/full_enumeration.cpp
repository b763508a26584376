#include "scanner/full_enumeration.h"

#include <algorithm>

#include "tls/client_hello.h"
#include "tls/iana_registry.h"

namespace tlsfleet::scanner {

namespace {

using Verdict = tls::ProbeOutcome::Verdict;

// Picks from the whole list in our order before the tail starts (see
// SuiteEnumerationOptions::preference_tail_after). TLS 1.3 hellos also carry a group
// question, so the tail costs nothing there while groups are left: start at once. For
// TLS <= 1.2 a server that follows its own order loses one hello to it, so wait for three
// picks in our order, which a server's own order rarely gives.
constexpr size_t kTls13TailAfter = 2;
constexpr size_t kTls12TailAfter = 3;

bool contains(const std::vector<uint16_t>& list, uint16_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string suite_name(uint16_t code) {
  auto name = tls::cipher_suite_name(code);
  return name ? std::string(*name) : "0x" + std::to_string(code);
}

}  // namespace

FullEnumeration::FullEnumeration(EnumerationInput input) : input_(std::move(input)) {
  std::vector<uint16_t> versions = input_.accepted;
  std::sort(versions.rbegin(), versions.rend());
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
  bool tls13 = false;
  for (uint16_t version : versions) {
    if (version == tls::kTls13) {
      tls13 = true;
    } else if (version >= tls::kSsl3 && version <= tls::kTls12) {
      known_.push_back(version);  // SSLv2's list comes with its SERVER-HELLO
    }
  }
  if (tls13) {
    tls13_ = make_suites(tls::kTls13);
    groups_ = std::make_unique<tls::GroupEnumerator>(
        tls::kTls13, tls::candidate_groups(tls::kTls13), tls::probe_spec(tls::kTls13, input_.sni));
    groups13_ = true;
  } else if (contains(known_, tls::kTls12)) {
    groups_ = std::make_unique<tls::GroupEnumerator>(
        tls::kTls12, tls::candidate_groups(tls::kTls12), tls::probe_spec(tls::kTls12, input_.sni));
    dh_groups_ = std::make_unique<tls::GroupEnumerator>(tls::kTls12, tls::candidate_dhe_groups(),
                                                        tls::probe_spec(tls::kTls12, input_.sni));
  }
  chain_next_ = input_.chain_from;
  if (chain_next_ == 0 && input_.ssl3_undecided) chain_next_ = tls::kSsl3;
}

std::unique_ptr<tls::SuiteEnumerator> FullEnumeration::make_suites(uint16_t version) {
  tls::SuiteEnumerationOptions options;
  // Asked at the end (step 5) only when nothing else decided it.
  options.test_server_preference = false;
  if (!preference_decided()) {
    options.preference_tail_after = version == tls::kTls13 ? kTls13TailAfter : kTls12TailAfter;
  }
  options.read_first_flight = version == tls::kTls12 && groups_ && !groups13_;
  return std::make_unique<tls::SuiteEnumerator>(version, tls::candidate_suites(version),
                                                tls::probe_spec(version, input_.sni), options);
}

std::vector<uint16_t> FullEnumeration::tls13_accepted_or_all() const {
  if (tls13_ && !tls13_->accepted().empty()) return tls13_->accepted();
  return tls::candidate_suites(tls::kTls13);
}

std::optional<tls::PlannedProbe> FullEnumeration::next_tls13() {
  if (!tls13_) return std::nullopt;
  const bool suites = !tls13_->finished();
  const bool groups = groups13_ && !groups_->finished();
  if (tls13_unattributed_ && groups) {
    auto probe = groups_->next();
    probe->hello.cipher_suites = tls13_accepted_or_all();
    sent_ = Sent::kTls13Resolve;
    return probe;
  }
  tls13_unattributed_ = false;
  if (suites && groups) {
    auto probe = tls13_->next();
    probe->hello.supported_groups = groups_->next()->hello.supported_groups;
    sent_ = Sent::kTls13Merged;
    return probe;
  }
  if (suites) {
    sent_ = Sent::kTls13Suites;
    return tls13_->next();
  }
  if (groups) {
    auto probe = groups_->next();
    probe->hello.cipher_suites = tls13_accepted_or_all();
    sent_ = Sent::kTls13Groups;
    return probe;
  }
  return std::nullopt;
}

std::optional<tls::PlannedProbe> FullEnumeration::next() {
  sent_ = Sent::kNone;
  if (auto probe = next_tls13()) return probe;
  for (;;) {
    while (current_ < suites_.size()) {
      if (auto probe = suites_[current_]->next()) {
        sent_ = Sent::kSuites;
        return probe;
      }
      ++current_;
    }
    if (known_started_ < known_.size()) {
      suites_.push_back(make_suites(known_[known_started_++]));
      continue;
    }
    break;
  }
  if (chain_next_ != 0 && !chain_failed_) {
    const uint16_t version = chain_next_;
    // Exactly the first hello of that version's enumeration, so the answer is its pick.
    tls::PlannedProbe probe{tls::chain_hello_spec(version, input_.sni), tls::ParserOptions{}};
    sent_ = Sent::kChain;
    return probe;
  }
  if (groups_ && !groups13_ && !groups_->finished() && !tls12_lacks(tls::is_ecdhe_suite)) {
    sent_ = Sent::kGroups;
    return groups_->next();
  }
  if (dh_groups_ && !dh_groups_->finished() && !tls12_lacks(tls::is_dhe_suite)) {
    sent_ = Sent::kDhGroups;
    return dh_groups_->next();
  }
  if (!preference_started_) {
    preference_started_ = true;
    if (!preference_decided()) {
      if (tls13_ && tls13_->start_preference_test()) {
        preference_ = tls13_.get();
      } else {
        for (auto& e : suites_) {
          if (e->start_preference_test()) {
            preference_ = e.get();
            break;
          }
        }
      }
    }
  }
  if (preference_) {
    if (auto probe = preference_->next()) {
      sent_ = Sent::kPreference;
      return probe;
    }
  }
  return std::nullopt;
}

void FullEnumeration::record_tls13(const tls::ProbeOutcome& outcome) {
  const bool chose = outcome.verdict == Verdict::kChose && outcome.version == tls::kTls13;
  switch (sent_) {
    case Sent::kTls13Merged:
      if (chose || outcome.verdict == Verdict::kFailed) {
        tls13_->record(outcome);
        groups_->record(outcome);
      } else if (outcome.verdict == Verdict::kChose) {
        // Another version: TLS 1.3 is not on with this hello at all.
        tls13_->record(outcome);
        groups_->record(outcome);
      } else if (tls13_->offer_has_accepted()) {
        groups_->record(outcome);  // the suites offered include an accepted one
      } else if (tls13_->accepted().empty() && groups_->accepted().empty()) {
        // The very first hello refused: nothing to attribute it to, both end.
        tls13_->record(outcome);
        groups_->record(outcome);
      } else {
        tls13_unattributed_ = true;
      }
      return;
    case Sent::kTls13Resolve:
      groups_->record(outcome);
      if (chose) {
        // The remaining groups hold an accepted one: the refusal was the suites'.
        tls::ProbeOutcome refused;
        refused.verdict = Verdict::kRefused;
        tls13_->record(refused);
      } else if (outcome.verdict == Verdict::kFailed) {
        tls13_->record(outcome);
      }
      // Refused: the groups are done; the suites ask again with every group.
      tls13_unattributed_ = false;
      return;
    case Sent::kTls13Suites:
      tls13_->record(outcome);
      return;
    case Sent::kTls13Groups:
      groups_->record(outcome);
      return;
    default:
      return;
  }
}

void FullEnumeration::record_chain(const tls::ProbeOutcome& outcome) {
  const uint16_t asked = chain_next_;
  chain_next_ = 0;
  const uint16_t lowest = input_.ssl3_undecided ? tls::kSsl3 : tls::kTls10;
  if (outcome.verdict == Verdict::kFailed) {
    chain_failed_ = true;
    return;
  }
  if (outcome.verdict == Verdict::kRefused) {
    // Nothing at this version or below: a server takes the highest version it has up to
    // the one offered.
    for (uint16_t v = lowest; v <= asked; ++v) decided_[v] = false;
    return;
  }
  const uint16_t got = outcome.version;
  if (got > asked || got < lowest) {
    chain_failed_ = true;  // not an answer to this hello
    return;
  }
  for (uint16_t v = got + 1; v <= asked; ++v) decided_[v] = false;
  decided_[got] = true;
  auto enumerator = make_suites(got);
  enumerator->next();  // the hello just answered was this one's first
  enumerator->record(outcome);
  suites_.push_back(std::move(enumerator));
  if (got > lowest) chain_next_ = static_cast<uint16_t>(got - 1);
}

void FullEnumeration::record(const tls::ProbeOutcome& outcome) {
  ++connections_;
  switch (sent_) {
    case Sent::kTls13Merged:
    case Sent::kTls13Resolve:
    case Sent::kTls13Suites:
    case Sent::kTls13Groups:
      record_tls13(outcome);
      break;
    case Sent::kSuites: {
      tls::SuiteEnumerator& e = *suites_[current_];
      e.record(outcome);
      // The first ECDHE pick names the server's group among the very list the group
      // enumeration would offer first.
      if (groups_ && !groups13_ && e.version() == tls::kTls12) {
        groups_->adopt_first_answer(outcome);
        // Likewise the first DHE pick, by the prime of its ServerKeyExchange.
        if (dh_groups_) dh_groups_->adopt_first_answer(outcome);
      }
      break;
    }
    case Sent::kChain:
      record_chain(outcome);
      break;
    case Sent::kGroups:
      groups_->record(outcome);
      break;
    case Sent::kDhGroups:
      dh_groups_->record(outcome);
      break;
    case Sent::kPreference:
      preference_->record(outcome);
      break;
    case Sent::kNone:
      --connections_;
      break;
  }
  sent_ = Sent::kNone;
}

std::vector<std::pair<std::string, std::vector<std::string>>> FullEnumeration::ciphers() const {
  std::vector<std::pair<std::string, std::vector<std::string>>> result;
  std::vector<const tls::SuiteEnumerator*> all;
  if (tls13_) all.push_back(tls13_.get());
  for (const auto& e : suites_) all.push_back(e.get());
  for (const tls::SuiteEnumerator* e : all) {
    if (e->accepted().empty() && !e->finished()) continue;
    std::vector<std::string> names;
    for (uint16_t code : e->accepted()) names.push_back(suite_name(code));
    result.emplace_back(std::string(tls::protocol_version_name(e->version()).value_or("?")),
                        std::move(names));
  }
  return result;
}

std::optional<bool> FullEnumeration::server_preference() const {
  std::optional<bool> answer;
  auto consider = [&](const tls::SuiteEnumerator& e) {
    if (e.server_preference() == true) answer = true;
    if (e.server_preference() == false && !answer) answer = false;
  };
  if (tls13_) consider(*tls13_);
  for (const auto& e : suites_) consider(*e);
  return answer;
}

std::optional<std::vector<std::string>> FullEnumeration::groups() const {
  if (!groups_) return std::nullopt;
  std::vector<std::string> names;
  std::vector<uint16_t> codes = groups_->accepted();
  if (dh_groups_) {
    for (uint16_t code : dh_groups_->accepted()) {
      if (!contains(codes, code)) codes.push_back(code);
    }
  }
  for (uint16_t code : codes) {
    auto name = tls::group_name(code);
    names.push_back(name ? std::string(*name) : "0x" + std::to_string(code));
  }
  return names;
}

std::optional<size_t> FullEnumeration::custom_dh_bits() const {
  return dh_groups_ ? dh_groups_->custom_dh_bits() : std::nullopt;
}

bool FullEnumeration::tls12_lacks(bool (*pred)(uint16_t)) const {
  for (const auto& e : suites_) {
    if (e->version() != tls::kTls12) continue;
    if (!e->finished() || !e->complete()) return false;
    return std::none_of(e->accepted().begin(), e->accepted().end(), pred);
  }
  return false;
}

bool FullEnumeration::complete() const {
  if (chain_failed_) return false;
  if (tls13_ && !tls13_->complete()) return false;
  for (const auto& e : suites_) {
    if (!e->complete()) return false;
  }
  if (dh_groups_ && !dh_groups_->complete()) return false;
  return !groups_ || groups_->complete();
}

std::optional<bool> FullEnumeration::version_accepted(uint16_t version) const {
  auto it = decided_.find(version);
  if (it == decided_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tlsfleet::scanner
