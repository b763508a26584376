#include "tls/suite_enumeration.h"

#include <algorithm>

#include "tls/raw_hello_session.h"

namespace tlsfleet::tls {

namespace {

bool contains(const std::vector<uint16_t>& list, uint16_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void erase_value(std::vector<uint16_t>& list, uint16_t value) {
  list.erase(std::remove(list.begin(), list.end(), value), list.end());
}

}  // namespace

ProbeOutcome outcome_of(const RawHelloSession& session) {
  ProbeOutcome outcome;
  if (session.state() == ProbeSession::State::kFailed) {
    const FailureKind kind = session.failure().kind;
    outcome.verdict = kind == FailureKind::kAlert || kind == FailureKind::kClosed
                          ? ProbeOutcome::Verdict::kRefused
                          : ProbeOutcome::Verdict::kFailed;
    return outcome;
  }
  if (session.state() != ProbeSession::State::kDone) return outcome;
  const ServerReply& reply = session.reply();
  outcome.verdict = ProbeOutcome::Verdict::kChose;
  if (reply.kind == ReplyKind::kSslv2ServerHello) {
    outcome.version = kSsl2;
    return outcome;
  }
  outcome.version = reply.hello->version;
  outcome.cipher_suite = reply.hello->cipher_suite;
  outcome.group = reply.hello->key_share_group;
  if (!outcome.group && reply.first_flight) {
    outcome.group = reply.first_flight->named_curve;
    if (!outcome.group) outcome.group = reply.first_flight->dh_group;
    outcome.dh_prime_bits = reply.first_flight->dh_prime_bits;
  }
  return outcome;
}

size_t max_suites_per_record(const ClientHelloSpec& base) {
  ClientHelloSpec probe = base;
  probe.cipher_suites = {0x002F};
  probe.padding = false;
  const std::string bytes = build_client_hello(probe);
  if (bytes.size() < 5) return 0;
  const size_t one_suite = bytes.size() - 5;  // the handshake message with one suite
  if (one_suite > kMaxRecordPayload) return 0;
  return 1 + (kMaxRecordPayload - one_suite) / 2;
}

std::vector<uint16_t> candidate_suites(uint16_t version) {
  return cipher_suites_for_version(version);
}

ClientHelloSpec chain_hello_spec(uint16_t version, const std::optional<std::string>& sni) {
  ClientHelloSpec hello = probe_spec(version, sni);
  hello.cipher_suites = candidate_suites(version);
  return hello;
}

std::vector<uint16_t> candidate_groups(uint16_t version) {
  // The order of probe_spec()'s supported_groups, so that a suite hello and a group hello
  // with the same remaining groups draw the same answer (the first group answer comes
  // free with the first suite pick).
  std::vector<uint16_t> groups;
  for (uint16_t code : probe_spec(version, std::nullopt).supported_groups) {
    const GroupInfo* g = find_group(code);
    if (!g) continue;
    const bool wanted =
        version >= kTls13 ? g->tls13 : g->tls12 && g->kind == GroupKind::kEllipticCurve;
    if (wanted) groups.push_back(code);
  }
  return groups;
}

std::vector<uint16_t> candidate_dhe_groups() {
  std::vector<uint16_t> groups;
  for (uint16_t code : probe_spec(kTls12, std::nullopt).supported_groups) {
    const GroupInfo* g = find_group(code);
    if (g && g->kind == GroupKind::kFfdhe) groups.push_back(code);
  }
  return groups;
}

bool is_dhe_suite(uint16_t suite) {
  const CipherSuiteInfo* s = find_cipher_suite(suite);
  return s && (s->key_exchange == KeyExchange::kDhe || s->key_exchange == KeyExchange::kDhAnon);
}

bool is_ecdhe_suite(uint16_t suite) {
  const CipherSuiteInfo* s = find_cipher_suite(suite);
  return s && (s->key_exchange == KeyExchange::kEcdhe || s->key_exchange == KeyExchange::kEcdhAnon);
}

// ---------------------------------------------------------------- suites

SuiteEnumerator::SuiteEnumerator(uint16_t version, std::vector<uint16_t> candidates,
                                 ClientHelloSpec base, SuiteEnumerationOptions options)
    : version_(version),
      candidates_(std::move(candidates)),
      base_(std::move(base)),
      options_(options),
      remaining_(candidates_) {
  options_.chunk_size = std::max<size_t>(1, options_.chunk_size);
  if (candidates_.empty()) {
    phase_ = Phase::kDone;
    return;
  }
  const size_t per_hello = max_suites_per_record(base_);
  if (candidates_.size() > per_hello) {
    // Not even possible in one record: chunks from the start.
    options_.chunk_size = std::min(options_.chunk_size, std::max<size_t>(1, per_hello));
    options_.version_accepted = false;  // there is no whole-list probe to fall back from
    phase_ = Phase::kChunks;
  }
  for (size_t at = 0; at < candidates_.size(); at += options_.chunk_size) {
    const size_t end = std::min(candidates_.size(), at + options_.chunk_size);
    chunks_.emplace_back(candidates_.begin() + at, candidates_.begin() + end);
  }
}

std::vector<uint16_t> SuiteEnumerator::current_offer() const {
  switch (phase_) {
    case Phase::kWhole:
      return remaining_;
    case Phase::kChunks:
      return chunks_[chunk_];
    case Phase::kPreference:
      return preference_probes_[preference_picks_.size()];
    case Phase::kDone:
      break;
  }
  return {};
}

std::vector<uint16_t> SuiteEnumerator::preference_tail() const {
  if (phase_ != Phase::kWhole || options_.preference_tail_after == 0) return {};
  const size_t wanted = std::max<size_t>(2, options_.preference_tail_after);
  if (accepted_.size() < wanted) return {};
  if (server_preference_ == false) return {accepted_[0]};
  if (server_preference_) return {};
  return {accepted_[1], accepted_[0]};
}

std::optional<PlannedProbe> SuiteEnumerator::next() {
  if (phase_ == Phase::kDone) return std::nullopt;
  offered_ = current_offer();
  tail_ = preference_tail();
  offered_.insert(offered_.end(), tail_.begin(), tail_.end());
  PlannedProbe probe{base_, ParserOptions{}};
  probe.hello.cipher_suites = offered_;
  probe.parser.read_first_flight = options_.read_first_flight && version_ < kTls13;
  return probe;
}

void SuiteEnumerator::record(const ProbeOutcome& outcome) {
  if (phase_ == Phase::kDone) return;
  ++connections_;
  if (phase_ == Phase::kPreference) return record_preference(outcome);
  using Verdict = ProbeOutcome::Verdict;
  if (outcome.verdict == Verdict::kFailed) {
    complete_ = false;
    note_ = "a probe got no answer; the list may be incomplete";
    phase_ = Phase::kDone;
    return;
  }
  if (outcome.verdict == Verdict::kChose && outcome.version == version_) {
    if (!contains(offered_, outcome.cipher_suite)) {
      complete_ = false;
      note_ = "the server picked a suite that was not offered";
      phase_ = Phase::kDone;
      return;
    }
    if (contains(tail_, outcome.cipher_suite)) {
      if (tail_.size() == 2 && outcome.cipher_suite == tail_[1]) {
        // Its favourite over the rest and over our first choice: the server's order.
        // This hello said nothing of the rest; ask again without the tail.
        server_preference_ = true;
        return;
      }
      // Our order wins (decided now, or before), and nothing of the rest was acceptable.
      server_preference_ = false;
      return end_listing();
    }
    if (tail_.size() == 2) server_preference_ = false;  // the rest before its favourite
    return on_suite_chosen(outcome.cipher_suite);
  }
  if (!tail_.empty()) {
    // A suite known to be accepted was refused: the server is not consistent.
    complete_ = false;
    note_ = "the server refused a suite it had accepted";
    phase_ = Phase::kDone;
    return;
  }
  // Refused, or answered with another version: nothing in this offer for this version.
  if (phase_ == Phase::kWhole) {
    if (accepted_.empty() && options_.version_accepted && chunks_.size() > 1) {
      phase_ = Phase::kChunks;  // a server that chokes on long lists
      return;
    }
    return end_listing();
  }
  if (++chunk_ == chunks_.size()) end_listing();
}

void SuiteEnumerator::on_suite_chosen(uint16_t suite) {
  const size_t offer = phase_ == Phase::kWhole ? 0 : chunk_ + 1;
  // A pick that stands before an earlier pick of the same offer in our order: a server
  // following our order would have taken it first.
  for (size_t i = 0; i < accepted_.size(); ++i) {
    if (accepted_offer_[i] == offer && position(suite) < position(accepted_[i])) {
      server_preference_ = true;
    }
  }
  accepted_.push_back(suite);
  accepted_offer_.push_back(offer);
  if (phase_ == Phase::kWhole) {
    erase_value(remaining_, suite);
    if (remaining_.empty()) end_listing();
    return;
  }
  erase_value(chunks_[chunk_], suite);
  if (chunks_[chunk_].empty() && ++chunk_ == chunks_.size()) end_listing();
}

void SuiteEnumerator::end_listing() {
  tail_.clear();
  if (options_.test_server_preference) plan_preference();
  phase_ = preference_probes_.empty() ? Phase::kDone : Phase::kPreference;
}

bool SuiteEnumerator::start_preference_test() {
  if (phase_ != Phase::kDone || server_preference_ || !complete_) return false;
  plan_preference();
  if (preference_probes_.empty()) return false;
  preference_picks_.clear();
  phase_ = Phase::kPreference;
  return true;
}

size_t SuiteEnumerator::position(uint16_t suite) const {
  return static_cast<size_t>(std::find(candidates_.begin(), candidates_.end(), suite) -
                             candidates_.begin());
}

void SuiteEnumerator::plan_preference() {
  if (server_preference_ || accepted_.size() < 2) return;
  // Picks from one offer already tell, when a later pick stood before an earlier one in
  // our order: a server following our order would have taken it first.
  for (size_t i = 0; i < accepted_.size(); ++i) {
    for (size_t j = i + 1; j < accepted_.size(); ++j) {
      if (accepted_offer_[i] == accepted_offer_[j] &&
          position(accepted_[j]) < position(accepted_[i])) {
        server_preference_ = true;
        return;
      }
    }
  }
  // Otherwise offer two suites the other way round: same pick means the server decides.
  for (size_t i = 0; i + 1 < accepted_.size(); ++i) {
    if (accepted_offer_[i] == accepted_offer_[i + 1]) {
      // accepted_[i] was picked with accepted_[i + 1] on offer and after it in our order.
      preference_probes_ = {{accepted_[i + 1], accepted_[i]}};
      return;
    }
  }
  // No two picks from one offer: both orders are needed.
  preference_probes_ = {{accepted_[1], accepted_[0]}, {accepted_[0], accepted_[1]}};
}

void SuiteEnumerator::record_preference(const ProbeOutcome& outcome) {
  const std::vector<uint16_t>& probe = preference_probes_[preference_picks_.size()];
  if (outcome.verdict != ProbeOutcome::Verdict::kChose || outcome.version != version_ ||
      !contains(probe, outcome.cipher_suite)) {
    note_ = "the server-preference test got no usable answer";
    phase_ = Phase::kDone;
    return;
  }
  preference_picks_.push_back(outcome.cipher_suite);
  if (preference_probes_.size() == 1) {
    server_preference_ = outcome.cipher_suite == probe[1];  // not our first choice
    phase_ = Phase::kDone;
    return;
  }
  if (preference_picks_.size() == 1) {
    if (outcome.cipher_suite == probe[0]) return;  // followed our order so far: ask again
    server_preference_ = true;
    phase_ = Phase::kDone;
    return;
  }
  server_preference_ = outcome.cipher_suite != probe[0];
  phase_ = Phase::kDone;
}

// ---------------------------------------------------------------- groups

GroupEnumerator::GroupEnumerator(uint16_t version, std::vector<uint16_t> candidates,
                                 ClientHelloSpec base)
    : version_(version), remaining_(std::move(candidates)), base_(std::move(base)) {
  if (version_ >= kTls13) {
    base_.version = kTls12;
    base_.supported_versions = {kTls13};
    base_.key_shares.emplace();  // empty: the server must name its group in an HRR
    base_.psk_key_exchange_modes = true;
    if (base_.cipher_suites.empty()) base_.cipher_suites = candidate_suites(kTls13);
  } else {
    const GroupInfo* first = remaining_.empty() ? nullptr : find_group(remaining_.front());
    dhe_ = first && first->kind == GroupKind::kFfdhe;
    if (base_.cipher_suites.empty()) {
      for (const CipherSuiteInfo& s : all_cipher_suites()) {
        const bool wanted = dhe_ ? is_dhe_suite(s.code) : is_ecdhe_suite(s.code);
        if (wanted && s.usable_with(version_)) base_.cipher_suites.push_back(s.code);
      }
    }
  }
  if (remaining_.empty()) finished_ = true;
}

std::optional<PlannedProbe> GroupEnumerator::next() {
  if (finished_) return std::nullopt;
  PlannedProbe probe{base_, ParserOptions{}};
  probe.hello.supported_groups = remaining_;
  probe.parser.read_first_flight = version_ < kTls13;
  return probe;
}

void GroupEnumerator::record(const ProbeOutcome& outcome) {
  if (finished_) return;
  ++connections_;
  using Verdict = ProbeOutcome::Verdict;
  if (outcome.verdict == Verdict::kFailed) {
    return stop("a probe got no answer; the list may be incomplete", false);
  }
  if (outcome.verdict == Verdict::kRefused || outcome.version != version_) {
    return stop("", true);
  }
  if (dhe_ends(outcome)) return;
  if (!outcome.group) return stop("the server's reply did not name a group", false);
  if (!contains(remaining_, *outcome.group)) {
    return stop("the server picked a group that was not offered", false);
  }
  accepted_.push_back(*outcome.group);
  erase_value(remaining_, *outcome.group);
  if (remaining_.empty()) finished_ = true;
}

bool GroupEnumerator::adopt_first_answer(uint16_t group) {
  if (finished_ || !accepted_.empty() || connections_ != 0 || !contains(remaining_, group)) {
    return false;
  }
  accepted_.push_back(group);
  erase_value(remaining_, group);
  if (remaining_.empty()) finished_ = true;
  return true;
}

bool GroupEnumerator::dhe_ends(const ProbeOutcome& outcome) {
  if (!dhe_) return false;
  if (!outcome.group && outcome.dh_prime_bits) {
    custom_dh_bits_ = outcome.dh_prime_bits;
    stop("the server uses its own DH prime (" + std::to_string(*outcome.dh_prime_bits) +
             " bits), not an RFC 7919 group, whatever the client offers",
         true);
    return true;
  }
  if (outcome.group && !contains(remaining_, *outcome.group)) {
    const GroupInfo* g = find_group(*outcome.group);
    if (!g || g->kind != GroupKind::kFfdhe) return false;
    if (!contains(accepted_, *outcome.group)) accepted_.push_back(*outcome.group);
    stop("the server picks its DH group whatever supported_groups offers", true);
    return true;
  }
  return false;
}

bool GroupEnumerator::adopt_first_answer(const ProbeOutcome& outcome) {
  if (finished_ || !accepted_.empty() || connections_ != 0) return false;
  if (outcome.verdict != ProbeOutcome::Verdict::kChose || outcome.version != version_) {
    return false;
  }
  if (outcome.group && contains(remaining_, *outcome.group)) {
    return adopt_first_answer(*outcome.group);
  }
  if (dhe_ && !outcome.group && outcome.dh_prime_bits) return dhe_ends(outcome);
  return false;
}

void GroupEnumerator::stop(std::string note, bool complete) {
  note_ = std::move(note);
  complete_ = complete;
  finished_ = true;
}

std::string sslv2_enumeration_hello() {
  std::vector<uint32_t> specs;
  for (const Sslv2CipherSpec& spec : sslv2_cipher_specs()) specs.push_back(spec.code);
  return build_sslv2_client_hello(kSsl2, specs);
}

}  // namespace tlsfleet::tls
