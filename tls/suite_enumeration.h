// Planners for full-depth enumeration: which cipher suites and key-exchange groups a
// server accepts, found with hand-built ClientHellos whose first reply is all we read.
// Plain logic, no I/O: the scanner asks next() for a hello, sends it over a fresh
// connection with a RawHelloSession, hands the outcome to record(), and repeats until
// next() says nothing is left. Tests drive them with a simulated server.
//
// Connections (N candidates, A accepted, G accepted groups, K chunks):
//   suites, one version:  A + 1 (the refusal that proves the list complete; 0 when every
//                         candidate was accepted) + P, P = 0 or 1 (server-preference test:
//                         0 when the server's picks already contradict our order, or
//                         A < 2; at most 2 when no two accepted suites shared a hello).
//                         Only when the whole list is refused although the version is
//                         known to be accepted (a server choking on a long list) does it
//                         fall back to chunks: 1 + A + K + P, K = ceil(N / chunk_size).
//                         Every IANA list fits one hello (352 suites, ~720 bytes).
//   groups, TLS 1.3:      G + 1 (an empty key_share draws a HelloRetryRequest naming the
//                         group; no key share is ever computed).
//   groups, TLS <= 1.2:   G + 1 (ECDHE suites offered; the group is read from the
//                         ServerKeyExchange of the first flight, nothing verified).
//                         The same for DHE (RFC 7919): DHE suites and the ffdhe groups
//                         offered, the group told by the prime the ServerKeyExchange
//                         carries; a server that sends its own prime, or ignores
//                         supported_groups, ends it at once (G + 1 at most).
//   SSLv2:                1 (the SERVER-HELLO lists every cipher spec the server has).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tls/client_hello.h"
#include "tls/server_hello.h"

namespace tlsfleet::tls {

class RawHelloSession;

// What one probe connection showed, in the terms the planners need.
struct ProbeOutcome {
  enum class Verdict {
    kChose,    // a ServerHello or HelloRetryRequest: the server picked from our offer
    kRefused,  // an alert, or the server closed: nothing offered was acceptable
    kFailed,   // no verdict (timeout, reset, garbage): the planner stops, incomplete
  };
  Verdict verdict = Verdict::kFailed;
  uint16_t version = 0;       // kChose: the negotiated version
  uint16_t cipher_suite = 0;  // kChose: the chosen suite
  // kChose: the TLS 1.3 key_share / HelloRetryRequest group, or the TLS <= 1.2
  // ServerKeyExchange named curve, or the RFC 7919 group whose prime a DHE
  // ServerKeyExchange carries.
  std::optional<uint16_t> group;
  // kChose, DHE: the size of the prime in the ServerKeyExchange (with no group: the
  // server's own prime, not an RFC 7919 one).
  std::optional<size_t> dh_prime_bits = std::nullopt;
};

// Reads a RawHelloSession that is no longer kHandshaking: kDone is kChose; a kAlert or
// kClosed failure is kRefused; anything else kFailed. (A reset or timeout seen by the
// scanner is its own call: kRefused when the server is known to reset on refusal.)
ProbeOutcome outcome_of(const RawHelloSession& session);

// A hello to send, and how to read its reply.
struct PlannedProbe {
  ClientHelloSpec hello;
  ParserOptions parser;
};

// The suites one ClientHello record can carry on top of base (16 KB record limit).
size_t max_suites_per_record(const ClientHelloSpec& base);

// Every IANA suite defined for version (SCSVs excluded), in code order.
std::vector<uint16_t> candidate_suites(uint16_t version);

// The "chain" hello at version: probe_spec() offering every candidate suite of it (those
// of the older versions included). A server answers with the highest version it has up to
// this one — its first pick there — or refuses, and then refuses every version below too.
ClientHelloSpec chain_hello_spec(uint16_t version, const std::optional<std::string>& sni);

// Groups worth enumerating for version: TLS 1.3 key_share groups, or the named curves
// usable for ECDHE in TLS <= 1.2.
std::vector<uint16_t> candidate_groups(uint16_t version);
// The RFC 7919 groups for TLS <= 1.2 DHE (ffdhe2048..8192), in probe_spec()'s order.
std::vector<uint16_t> candidate_dhe_groups();
// The suite exchanges keys by finite-field DHE (DHE_*, DH_anon; not the PSK ones) or by
// ECDHE (ECDHE_*, ECDH_anon; not the PSK ones).
bool is_dhe_suite(uint16_t suite);
bool is_ecdhe_suite(uint16_t suite);

struct SuiteEnumerationOptions {
  // The scanner runs enumeration only for versions it saw accepted; a refusal of the
  // whole list then means the server chokes on long lists, and chunks are tried.
  bool version_accepted = true;
  size_t chunk_size = 128;
  // At the end of the listing, offer two accepted suites the other way round when the
  // picks have not told whose order wins (start_preference_test() does it on demand).
  bool test_server_preference = true;
  // > 0: once this many suites were picked from the whole list in our order (nothing
  // decided yet), every later hello appends the first two picks, second first: a
  // server that follows our order then picks from the rest, or that second suite once
  // the rest is exhausted (client preference, decided for free, the pick replacing the
  // final refusal); a server that follows its own order picks its favourite, the first
  // pick (server preference, that hello wasted). After client preference is decided,
  // the first pick alone closes every offer, so no hello of this enumerator is ever
  // refused. 0: off.
  size_t preference_tail_after = 0;
  // Read TLS <= 1.2 first flights up to the ServerKeyExchange, so ECDHE picks name a group.
  bool read_first_flight = false;
};

// "Offer everything, remove the suite the server picks, ask again" until it refuses.
// When the server chooses, accepted() is in its preference order.
class SuiteEnumerator {
 public:
  // base: probe_spec(version, sni) or a variant; its cipher suites are replaced.
  SuiteEnumerator(uint16_t version, std::vector<uint16_t> candidates, ClientHelloSpec base,
                  SuiteEnumerationOptions options = {});

  // The next probe, or nullopt when enumeration is over. Call record() after each.
  std::optional<PlannedProbe> next();
  void record(const ProbeOutcome& outcome);

  bool finished() const { return phase_ == Phase::kDone; }
  uint16_t version() const { return version_; }
  // Accepted suites, in the order the server picked them.
  const std::vector<uint16_t>& accepted() const { return accepted_; }
  // true: the server picks by its own order; false: by ours; nullopt: not decided.
  std::optional<bool> server_preference() const { return server_preference_; }
  // false when a kFailed outcome or a server that broke the protocol cut it short.
  bool complete() const { return complete_; }
  // After the listing (finished()), when the preference is still undecided and two
  // suites were accepted: plan the preference probes (1 or 2); false when nothing to do.
  bool start_preference_test();
  // The hello next() returned offers a suite already known to be accepted, so a refusal
  // of it cannot mean "nothing acceptable left in this offer".
  bool offer_has_accepted() const { return !tail_.empty() || phase_ == Phase::kPreference; }
  size_t connections() const { return connections_; }
  // Why enumeration ended early ("" when it did not).
  const std::string& note() const { return note_; }

 private:
  enum class Phase { kWhole, kChunks, kPreference, kDone };
  std::vector<uint16_t> current_offer() const;
  void on_suite_chosen(uint16_t suite);
  std::vector<uint16_t> preference_tail() const;
  void end_listing();
  void plan_preference();
  void record_preference(const ProbeOutcome& outcome);
  size_t position(uint16_t suite) const;

  uint16_t version_;
  std::vector<uint16_t> candidates_;  // our order
  ClientHelloSpec base_;
  SuiteEnumerationOptions options_;
  Phase phase_ = Phase::kWhole;
  std::vector<uint16_t> remaining_;  // whole mode: not yet picked
  std::vector<std::vector<uint16_t>> chunks_;
  size_t chunk_ = 0;
  std::vector<uint16_t> accepted_;
  std::vector<size_t> accepted_offer_;  // which offer set (whole = 0, chunk i = i+1) each came from
  std::vector<uint16_t> offered_;       // the last offer
  std::vector<uint16_t> tail_;          // known picks appended to the last offer
  std::vector<std::vector<uint16_t>> preference_probes_;
  std::vector<uint16_t> preference_picks_;
  std::optional<bool> server_preference_;
  bool complete_ = true;
  size_t connections_ = 0;
  std::string note_;
};

// "Offer every group, remove the one the server names, ask again" until it refuses.
// TLS 1.3: an empty key_share and the TLS 1.3 suites; the HelloRetryRequest names the
// group. TLS <= 1.2: every ECDHE suite, the first flight read up to the
// ServerKeyExchange. Limitations: a TLS 1.2 server with an ECDSA certificate stops
// answering once its certificate's curve leaves supported_groups, so for such servers
// the TLS 1.2 list can be short (the TLS 1.3 enumeration has no such coupling).
// TLS <= 1.2 with ffdhe candidates (candidate_dhe_groups()): every DHE suite, the group
// told by the ServerKeyExchange's prime (RFC 7919: a server that has none of the offered
// groups refuses DHE). A server that sends a prime that is no RFC 7919 one uses its own
// group whatever we offer: no named group is reported, custom_dh_bits() gives its size,
// and enumeration ends. One that answers with a named group we did not offer (or no
// longer offer) ignores supported_groups: that group is reported and enumeration ends.
class GroupEnumerator {
 public:
  GroupEnumerator(uint16_t version, std::vector<uint16_t> candidates, ClientHelloSpec base);

  std::optional<PlannedProbe> next();
  void record(const ProbeOutcome& outcome);

  bool finished() const { return finished_; }
  // The group another hello with the same supported_groups drew (its first answer), so
  // the first hello need not be sent. Only before anything else was recorded.
  bool adopt_first_answer(uint16_t group);
  // The same for an outcome: a named group as above, or (DHE) the server's own prime,
  // which ends the enumeration without a connection.
  bool adopt_first_answer(const ProbeOutcome& outcome);
  // DHE: the size of the server's own (not RFC 7919) prime, when it sent one.
  std::optional<size_t> custom_dh_bits() const { return custom_dh_bits_; }
  // Accepted groups, in the order the server named them.
  const std::vector<uint16_t>& accepted() const { return accepted_; }
  bool complete() const { return complete_; }
  size_t connections() const { return connections_; }
  const std::string& note() const { return note_; }

 private:
  void stop(std::string note, bool complete);
  // DHE answers that end the enumeration; true when outcome was one.
  bool dhe_ends(const ProbeOutcome& outcome);

  uint16_t version_;
  bool dhe_ = false;  // TLS <= 1.2 finite-field groups
  std::optional<size_t> custom_dh_bits_;
  std::vector<uint16_t> remaining_;
  ClientHelloSpec base_;
  std::vector<uint16_t> accepted_;
  bool finished_ = false;
  bool complete_ = true;
  size_t connections_ = 0;
  std::string note_;
};

// The one SSLv2 probe: a CLIENT-HELLO with the seven SSL 2.0 cipher kinds. An SSLv2
// server's SERVER-HELLO lists every kind it supports, so one connection enumerates all.
std::string sslv2_enumeration_hello();

}  // namespace tlsfleet::tls
