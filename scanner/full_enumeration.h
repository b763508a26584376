// FullEnumeration: the cipher suites of every accepted version, the key-exchange groups
// and the server preference, for --depth full, by hand-built hellos
// (tls/suite_enumeration.h): offer all, remove what the server picked, ask again. It also
// decides the versions the standard probes left open (TLS 1.0/1.1 below the highest
// accepted one, and SSLv3). Pure logic; the job sends the hellos.
//
// Steps, each hello on its own connection:
//  1. TLS 1.3: suites and groups together. Every hello offers the suites not yet picked
//     and the groups not yet named, with an empty key_share; the HelloRetryRequest names
//     one of each. A refusal is put down to whichever list holds nothing known to be
//     accepted; when neither does, the next hello offers the remaining groups with the
//     accepted suites, which settles it (and is the next group hello anyway). Costs
//     max(suites, groups) + 2 at most, instead of suites + 1 + groups + 1.
//  2. Each TLS <= 1.2 version known to be accepted: its suites (accepted + 1).
//  3. The chain, for the versions still open below: a hello at the highest open version
//     offering every suite of it (the SSLv3 suites included). The server answers with
//     the highest version it takes up to that one — its first pick for that version's
//     suites — or refuses: then that version and every one below, SSLv3 included, are
//     refused. After a version's suites, the chain goes on below it, down to SSLv3.
//  4. Without TLS 1.3, the TLS 1.2 ECDHE groups (accepted + 1); the first one comes free
//     with the first ECDHE suite pick of step 2 (same supported_groups, in the same order).
//     Then the TLS 1.2 DHE groups (RFC 7919 ffdhe2048..8192, told by the prime of the
//     ServerKeyExchange) the same way, the first free with the first DHE suite pick. Each
//     is skipped when the TLS 1.2 suite list is complete and holds no suite of its kind.
//  5. Server preference, only when no pick decided it: TLS 1.3's picks and the tails of
//     SuiteEnumerationOptions::preference_tail_after usually do; otherwise the first two
//     picks the other way round (one connection, at the highest version that can).
// SSLv2's suites come free with the standard SSLv2 probe's SERVER-HELLO.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tls/suite_enumeration.h"

namespace tlsfleet::scanner {

struct EnumerationInput {
  // IANA version codes (tls::kSsl3 .. tls::kTls13) the standard probes saw accepted.
  std::vector<uint16_t> accepted;
  // The highest TLS version <= 1.2 still undecided (the chain starts there); 0: none.
  uint16_t chain_from = 0;
  // SSLv3 is undecided: the chain ends with it.
  bool ssl3_undecided = false;
  std::optional<std::string> sni;
};

class FullEnumeration {
 public:
  explicit FullEnumeration(EnumerationInput input);

  // The next hello to send, or nullopt when everything is enumerated.
  std::optional<tls::PlannedProbe> next();
  void record(const tls::ProbeOutcome& outcome);

  // version name ("TLSv1.3") -> accepted suites (IANA names), highest version first.
  std::vector<std::pair<std::string, std::vector<std::string>>> ciphers() const;
  std::optional<bool> server_preference() const;
  // Accepted groups (IANA names), nullopt when none was enumerated.
  std::optional<std::vector<std::string>> groups() const;
  // TLS 1.2 DHE with a prime that is no RFC 7919 group: its size in bits.
  std::optional<size_t> custom_dh_bits() const;
  // Every enumeration ran to its end (no connection cut it short).
  bool complete() const;
  // What the chain decided for a version it was asked about (tls::kSsl3 .. kTls12).
  std::optional<bool> version_accepted(uint16_t version) const;
  // Hellos recorded.
  size_t connections() const { return connections_; }

 private:
  enum class Sent {
    kNone,
    kTls13Merged,   // TLS 1.3 suites + groups in one hello
    kTls13Resolve,  // remaining groups with accepted suites, after an unattributed refusal
    kTls13Suites,   // TLS 1.3 suites alone (groups done)
    kTls13Groups,   // TLS 1.3 groups alone (suites done)
    kSuites,        // suites_[current_]
    kChain,         // chain hello at chain_next_
    kGroups,        // TLS 1.2 ECDHE groups
    kDhGroups,      // TLS 1.2 DHE groups
    kPreference,    // preference_ probes
  };

  std::unique_ptr<tls::SuiteEnumerator> make_suites(uint16_t version);
  std::optional<tls::PlannedProbe> next_tls13();
  void record_tls13(const tls::ProbeOutcome& outcome);
  void record_chain(const tls::ProbeOutcome& outcome);
  std::vector<uint16_t> tls13_accepted_or_all() const;
  bool preference_decided() const { return server_preference().has_value(); }
  // The TLS 1.2 suite list is complete and holds no suite for which pred holds.
  bool tls12_lacks(bool (*pred)(uint16_t)) const;

  EnumerationInput input_;
  std::vector<uint16_t> known_;  // accepted TLS <= 1.2 versions (and SSLv3), highest first
  size_t known_started_ = 0;     // how many of known_ have an enumerator
  std::unique_ptr<tls::SuiteEnumerator> tls13_;
  std::unique_ptr<tls::GroupEnumerator> groups_;     // TLS 1.3 or TLS 1.2 ECDHE
  std::unique_ptr<tls::GroupEnumerator> dh_groups_;  // TLS 1.2 DHE, without TLS 1.3
  bool groups13_ = false;
  bool tls13_unattributed_ = false;  // a merged hello was refused, cause not known yet
  std::vector<std::unique_ptr<tls::SuiteEnumerator>> suites_;  // TLS <= 1.2, highest first
  size_t current_ = 0;
  uint16_t chain_next_ = 0;  // next version the chain asks about; 0: chain over
  bool chain_failed_ = false;
  std::map<uint16_t, bool> decided_;
  bool preference_started_ = false;
  tls::SuiteEnumerator* preference_ = nullptr;
  Sent sent_ = Sent::kNone;
  size_t connections_ = 0;
};

}  // namespace tlsfleet::scanner
