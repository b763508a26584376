// The enumeration planners driven by a simulated server policy (pure logic, connection
// counts checked against the documented formulas), then end to end against a real
// OpenSSL server over memory BIOs.
#include "tls/suite_enumeration.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <limits>

#include "tests/tls/raw_test_support.h"
#include "tests/tls/recorded_replies.h"
#include "tls/raw_hello_session.h"

namespace tlsfleet::tls {
namespace {

using Verdict = ProbeOutcome::Verdict;

bool has(const std::vector<uint16_t>& list, uint16_t v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// A server reduced to its policy: which version, suites and groups it accepts, whose
// order wins, and how long a suite list it tolerates.
struct SimulatedServer {
  uint16_t version = kTls12;
  std::vector<uint16_t> suites;  // accepted, in its preference order
  std::vector<uint16_t> groups;  // accepted, in its preference order
  bool server_preference = true;
  size_t max_offered = std::numeric_limits<size_t>::max();
  size_t connections = 0;

  ProbeOutcome answer(const PlannedProbe& probe) {
    ++connections;
    const ClientHelloSpec& h = probe.hello;
    EXPECT_FALSE(build_client_hello(h).empty()) << "every planned hello encodes";
    const uint16_t offered = has(h.supported_versions, kTls13) ? kTls13 : h.version;
    if (offered != version || h.cipher_suites.size() > max_offered) return refused();
    const auto suite = pick(suites, h.cipher_suites, server_preference);
    if (!suite) return refused();
    ProbeOutcome o{Verdict::kChose, version, *suite, std::nullopt};
    const CipherSuiteInfo* info = find_cipher_suite(*suite);
    const bool needs_group =
        version == kTls13 || (info && info->key_exchange == KeyExchange::kEcdhe);
    if (needs_group && !groups.empty()) {
      o.group = pick(groups, h.supported_groups, true);
      if (!o.group) return refused();
      if (version < kTls13 && !probe.parser.read_first_flight) o.group.reset();
    }
    return o;
  }

  static std::optional<uint16_t> pick(const std::vector<uint16_t>& mine,
                                      const std::vector<uint16_t>& offered, bool mine_first) {
    const auto& first = mine_first ? mine : offered;
    const auto& second = mine_first ? offered : mine;
    for (uint16_t v : first) {
      if (has(second, v)) return v;
    }
    return std::nullopt;
  }
  static ProbeOutcome refused() { return ProbeOutcome{Verdict::kRefused, 0, 0, std::nullopt}; }
};

template <class Enumerator>
void run(Enumerator& e, SimulatedServer& server) {
  for (int guard = 0; guard < 10000; ++guard) {
    auto probe = e.next();
    if (!probe) break;
    e.record(server.answer(*probe));
  }
  ASSERT_TRUE(e.finished());
  EXPECT_EQ(e.connections(), server.connections);
}

SuiteEnumerator tls12_enumerator(SuiteEnumerationOptions options = {}) {
  return SuiteEnumerator(kTls12, candidate_suites(kTls12), probe_spec(kTls12, std::nullopt),
                         options);
}

TEST(SuiteEnumerationTest, ServerPreferenceOrderInAcceptedPlusOneConnections) {
  SimulatedServer server;
  server.suites = {0xC030, 0xC02F, 0x009F, 0x002F};
  SuiteEnumerator e = tls12_enumerator();
  run(e, server);
  EXPECT_EQ(e.accepted(), server.suites);
  EXPECT_EQ(e.server_preference(), true) << "picks contradicted our (code) order";
  EXPECT_EQ(e.connections(), 4u + 1) << "A + 1, no preference probe needed";
  EXPECT_TRUE(e.complete());
}

TEST(SuiteEnumerationTest, ClientPreferenceCostsOneMoreConnection) {
  SimulatedServer server;
  server.suites = {0xC030, 0xC02F, 0x009F, 0x002F};
  server.server_preference = false;
  SuiteEnumerator e = tls12_enumerator();
  run(e, server);
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{0x002F, 0x009F, 0xC02F, 0xC030}));
  EXPECT_EQ(e.server_preference(), false);
  EXPECT_EQ(e.connections(), 4u + 1 + 1);
}

TEST(SuiteEnumerationTest, ServerPreferenceThatMatchesOurOrderIsProbed) {
  SimulatedServer server;
  server.suites = {0x002F, 0x009C};
  SuiteEnumerator e = tls12_enumerator();
  run(e, server);
  EXPECT_EQ(e.accepted(), server.suites);
  EXPECT_EQ(e.server_preference(), true);
  EXPECT_EQ(e.connections(), 2u + 1 + 1);
}

TEST(SuiteEnumerationTest, OneAcceptedSuiteLeavesPreferenceUndecided) {
  SimulatedServer server;
  server.suites = {0xC02F};
  SuiteEnumerator e = tls12_enumerator();
  run(e, server);
  EXPECT_EQ(e.accepted(), server.suites);
  EXPECT_FALSE(e.server_preference());
  EXPECT_EQ(e.connections(), 2u);
}

TEST(SuiteEnumerationTest, EveryCandidateAcceptedNeedsNoFinalRefusal) {
  SimulatedServer server;
  server.suites = {0x0005, 0x0004, 0x000A};
  SuiteEnumerator e(kTls12, {0x0004, 0x0005, 0x000A}, probe_spec(kTls12, std::nullopt));
  run(e, server);
  EXPECT_EQ(e.accepted(), server.suites);
  EXPECT_EQ(e.connections(), 3u) << "A, and the evidence settled the preference";
}

TEST(SuiteEnumerationTest, RefusedVersionCostsOneConnection) {
  SimulatedServer server;
  server.version = kTls13;
  server.suites = {0x1301};
  SuiteEnumerationOptions options;
  options.version_accepted = false;
  SuiteEnumerator e = tls12_enumerator(options);
  run(e, server);
  EXPECT_TRUE(e.accepted().empty());
  EXPECT_TRUE(e.complete());
  EXPECT_EQ(e.connections(), 1u);
}

TEST(SuiteEnumerationTest, ChokingServerFallsBackToChunks) {
  SimulatedServer server;
  server.suites = {0xC02F, 0x0005, 0x000A};
  server.max_offered = 128;
  SuiteEnumerator e = tls12_enumerator();
  run(e, server);
  const size_t n = candidate_suites(kTls12).size();
  const size_t chunks = (n + 127) / 128;
  // Chunk order across chunks, the server's order within one (0x0005 and 0x000A share a
  // chunk; 0xC02F sits in a later one).
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{0x0005, 0x000A, 0xC02F}));
  EXPECT_EQ(e.server_preference(), true);
  EXPECT_EQ(e.connections(), 1 + 3 + chunks + 1) << "1 + A + K + P";
}

TEST(SuiteEnumerationTest, ListsLongerThanOneRecordAreChunkedFromTheStart) {
  std::vector<uint16_t> candidates;
  for (uint32_t code = 1; code <= 20000; ++code) candidates.push_back(static_cast<uint16_t>(code));
  SimulatedServer server;
  server.suites = {15000, 5000};
  SuiteEnumerator e(kTls12, candidates, probe_spec(kTls12, std::nullopt));
  size_t largest = 0;
  for (auto probe = e.next(); probe; probe = e.next()) {
    largest = std::max(largest, build_client_hello(probe->hello).size());
    e.record(server.answer(*probe));
  }
  EXPECT_LE(largest, 5 + kMaxRecordPayload) << "every hello fits one record";
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{5000, 15000}));
  const size_t chunks = (20000 + 127) / 128;
  EXPECT_EQ(e.connections(), 2 + chunks + 2) << "A + K + P (no two picks from one offer)";
  EXPECT_EQ(e.server_preference(), true);
}

TEST(SuiteEnumerationTest, MaxSuitesPerRecordIsExact) {
  const ClientHelloSpec base = probe_spec(kTls12, std::string("raw.test"));
  const size_t max = max_suites_per_record(base);
  EXPECT_GT(max, 7000u);
  EXPECT_LT(max, 8192u);
  ClientHelloSpec spec = base;
  spec.cipher_suites.assign(max, 0x002F);
  EXPECT_LE(build_client_hello(spec).size(), 5 + kMaxRecordPayload);
  spec.cipher_suites.push_back(0x002F);
  EXPECT_GT(build_client_hello(spec).size(), 5 + kMaxRecordPayload);
  EXPECT_LT(candidate_suites(kTls12).size(), max) << "every IANA list fits one hello";
}

TEST(SuiteEnumerationTest, ServerPickingAnUnofferedSuiteStopsIncomplete) {
  SuiteEnumerator e = tls12_enumerator();
  for (int i = 0; i < 5 && e.next(); ++i) e.record({Verdict::kChose, kTls12, 0x002F, {}});
  EXPECT_TRUE(e.finished());
  EXPECT_FALSE(e.complete());
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{0x002F}));
  EXPECT_EQ(e.connections(), 2u);
  EXPECT_FALSE(e.note().empty());
}

TEST(SuiteEnumerationTest, FailedProbeStopsIncomplete) {
  SuiteEnumerator e = tls12_enumerator();
  ASSERT_TRUE(e.next());
  e.record({Verdict::kChose, kTls12, 0xC02F, {}});
  ASSERT_TRUE(e.next());
  e.record({Verdict::kFailed, 0, 0, {}});
  EXPECT_FALSE(e.next());
  EXPECT_FALSE(e.complete());
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{0xC02F}));
}

TEST(SuiteEnumerationTest, CandidateListsFollowTheVersions) {
  const auto tls13 = candidate_suites(kTls13);
  EXPECT_TRUE(has(tls13, 0x1301) && has(tls13, 0x1305) && !has(tls13, 0xC02F));
  const auto ssl3 = candidate_suites(kSsl3);
  EXPECT_TRUE(has(ssl3, 0x0003) && has(ssl3, 0x002F) && !has(ssl3, 0x009C) && !has(ssl3, 0x1301));
  EXPECT_FALSE(has(candidate_suites(kTls12), kEmptyRenegotiationInfoScsv));
  EXPECT_TRUE(has(candidate_groups(kTls13), 4588)) << "X25519MLKEM768";
  EXPECT_FALSE(has(candidate_groups(kTls12), 256)) << "no ffdhe for ECDHE";
}

TEST(GroupEnumerationTest, Tls13GroupsByHelloRetryRequestInGroupsPlusOne) {
  SimulatedServer server;
  server.version = kTls13;
  server.suites = {0x1301};
  server.groups = {24, 4588, 29, 256};
  GroupEnumerator e(kTls13, candidate_groups(kTls13), probe_spec(kTls13, std::nullopt));
  auto first = e.next();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->hello.key_shares && first->hello.key_shares->empty()) << "empty key_share";
  EXPECT_EQ(first->hello.supported_versions, (std::vector<uint16_t>{kTls13}));
  run(e, server);
  EXPECT_EQ(e.accepted(), server.groups);
  EXPECT_EQ(e.connections(), 4u + 1);
  EXPECT_TRUE(e.complete());
}

TEST(GroupEnumerationTest, Tls12GroupsReadTheServerKeyExchange) {
  SimulatedServer server;
  server.suites = {0xC02F};
  server.groups = {23, 29};
  GroupEnumerator e(kTls12, candidate_groups(kTls12), probe_spec(kTls12, std::nullopt));
  auto first = e.next();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->parser.read_first_flight);
  EXPECT_TRUE(has(first->hello.cipher_suites, 0xC02F) && !has(first->hello.cipher_suites, 0x009C));
  run(e, server);
  EXPECT_EQ(e.accepted(), server.groups);
  EXPECT_EQ(e.connections(), 2u + 1);
}

TEST(GroupEnumerationTest, UnnamedOrUnofferedGroupStopsIncomplete) {
  GroupEnumerator e(kTls13, {29, 23}, probe_spec(kTls13, std::nullopt));
  ASSERT_TRUE(e.next());
  e.record({Verdict::kChose, kTls13, 0x1301, 30});
  EXPECT_TRUE(e.finished());
  EXPECT_FALSE(e.complete());
  GroupEnumerator f(kTls13, {29, 23}, probe_spec(kTls13, std::nullopt));
  f.record({Verdict::kChose, kTls13, 0x1301, std::nullopt});
  EXPECT_FALSE(f.complete());
}

TEST(EnumerationTest, Sslv2ProbeOffersTheSevenKinds) {
  const std::string hello = sslv2_enumeration_hello();
  ASSERT_GE(hello.size(), 11u);
  EXPECT_EQ(test::byte_at(hello, 6), 21) << "7 specs x 3 bytes";
}

TEST(EnumerationTest, OutcomeOfSessions) {
  auto outcome = [](std::string_view reply, bool first_flight = false) {
    RawHelloOptions options;
    options.parser.read_first_flight = first_flight;
    RawHelloSession s("hello", options);
    s.start();
    const std::string bytes = test::from_hex(reply);
    if (s.feed(bytes.data(), bytes.size()) == ProbeSession::State::kHandshaking) s.on_eof();
    return outcome_of(s);
  };
  ProbeOutcome hrr = outcome(test::kHelloRetryRequest);
  EXPECT_EQ(hrr.verdict, Verdict::kChose);
  EXPECT_EQ(hrr.version, kTls13);
  EXPECT_EQ(hrr.cipher_suite, 0x1301);
  EXPECT_EQ(hrr.group, 29);
  EXPECT_EQ(outcome(test::kTls12EcdheFlight, true).group, 29) << "from the ServerKeyExchange";
  EXPECT_EQ(outcome(test::kAlertHandshakeFailure).verdict, Verdict::kRefused);
  EXPECT_EQ(outcome("").verdict, Verdict::kRefused) << "closed without a word";
  EXPECT_EQ(outcome("485454502f312e31").verdict, Verdict::kFailed) << "HTTP/1.1";
  EXPECT_EQ(outcome(test::kSslv2ServerHello).version, kSsl2);
}

// ---------------------------------------------------------------- against OpenSSL

// Runs an enumerator against fresh OpenSSL server connections, one per probe.
template <class Enumerator>
void run_against(Enumerator& e, SSL_CTX* ctx) {
  for (int guard = 0; guard < 100; ++guard) {
    auto probe = e.next();
    if (!probe) break;
    test::MemoryServer server(ctx);
    RawHelloSession session(build_client_hello(probe->hello), RawHelloOptions{probe->parser});
    session.start();
    std::string hello;
    session.take_output(hello);
    const std::string reply = server.respond(hello);
    if (session.feed(reply.data(), reply.size()) == ProbeSession::State::kHandshaking) {
      session.on_eof();
    }
    e.record(outcome_of(session));
  }
  ASSERT_TRUE(e.finished());
}

TEST(EnumerationEndToEndTest, Tls12SuitesInServerOrder) {
  test::ServerConfig config;
  config.ciphers =
      "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:ECDHE-ECDSA-CHACHA20-POLY1305:"
      "DHE-RSA-AES128-SHA256:@SECLEVEL=0";
  config.server_preference = true;
  auto ctx = test::make_server_context(config);
  SuiteEnumerator e = tls12_enumerator();
  run_against(e, ctx.get());
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{0xC030, 0x002F, 0xCCA9, 0x0067}));
  EXPECT_EQ(e.server_preference(), true);
  EXPECT_EQ(e.connections(), 4u + 1);
}

TEST(EnumerationEndToEndTest, Tls12SuitesInClientOrder) {
  test::ServerConfig config;
  config.ciphers = "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:ECDHE-ECDSA-CHACHA20-POLY1305";
  auto ctx = test::make_server_context(config);
  SuiteEnumerator e = tls12_enumerator();
  run_against(e, ctx.get());
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{0x002F, 0xC030, 0xCCA9}));
  EXPECT_EQ(e.server_preference(), false);
  EXPECT_EQ(e.connections(), 3u + 1 + 1);
}

TEST(EnumerationEndToEndTest, Tls13SuitesThroughHelloRetryRequests) {
  test::ServerConfig config;
  config.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384";
  config.server_preference = true;
  auto ctx = test::make_server_context(config);
  SuiteEnumerator e(kTls13, candidate_suites(kTls13), probe_spec(kTls13, std::nullopt));
  run_against(e, ctx.get());
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{0x1303, 0x1302}));
  EXPECT_EQ(e.server_preference(), true);
  EXPECT_EQ(e.connections(), 2u + 1);
}

TEST(EnumerationEndToEndTest, Tls13Groups) {
  test::ServerConfig config;
  config.groups = "P-521:X25519:ffdhe3072";
  config.server_preference = true;
  auto ctx = test::make_server_context(config);
  GroupEnumerator e(kTls13, candidate_groups(kTls13), probe_spec(kTls13, std::nullopt));
  run_against(e, ctx.get());
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{25, 29, 257}));
  EXPECT_TRUE(e.complete()) << e.note();
  EXPECT_EQ(e.connections(), 3u + 1);
}

TEST(EnumerationEndToEndTest, Tls12Groups) {
  test::ServerConfig config;
  config.max_version = TLS1_2_VERSION;
  config.groups = "P-384:X25519";
  config.server_preference = true;
  config.ec_cert = false;  // an ECDSA certificate would tie ECDHE to its own curve
  auto ctx = test::make_server_context(config);
  GroupEnumerator e(kTls12, candidate_groups(kTls12), probe_spec(kTls12, std::nullopt));
  run_against(e, ctx.get());
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{24, 29}));
  EXPECT_TRUE(e.complete()) << e.note();
  EXPECT_EQ(e.connections(), 2u + 1);
}

}  // namespace
}  // namespace tlsfleet::tls

namespace tlsfleet::tls {
namespace {

// The preference tail: a server in our order is told apart for free (and the tail pick
// replaces the final refusal); one in its own order loses one hello to it.
TEST(SuiteEnumerationTest, PreferenceTailDecidesClientPreferenceForFree) {
  SimulatedServer server;
  server.suites = {0xC030, 0xC02F, 0x009F, 0x002F, 0x0035};
  server.server_preference = false;
  SuiteEnumerationOptions options;
  options.test_server_preference = false;
  options.preference_tail_after = 3;
  SuiteEnumerator e = tls12_enumerator(options);
  run(e, server);
  EXPECT_EQ(e.server_preference(), false);
  EXPECT_EQ(e.accepted().size(), 5u);
  EXPECT_EQ(e.connections(), 5u + 1);
  EXPECT_TRUE(e.complete());
}

TEST(SuiteEnumerationTest, PreferenceTailCostsAServerInOurOrderOneHello) {
  SimulatedServer server;
  server.suites = {0x002F, 0x0035, 0x009C, 0xC02F};
  SuiteEnumerationOptions options;
  options.test_server_preference = false;
  options.preference_tail_after = 3;
  SuiteEnumerator e = tls12_enumerator(options);
  run(e, server);
  EXPECT_EQ(e.server_preference(), true);
  EXPECT_EQ(e.accepted(), server.suites);
  EXPECT_EQ(e.connections(), 4u + 1 + 1);
}

TEST(SuiteEnumerationTest, PreferenceTestOnDemand) {
  SimulatedServer server;
  server.suites = {0x002F, 0x009C};
  server.server_preference = false;
  SuiteEnumerationOptions options;
  options.test_server_preference = false;
  SuiteEnumerator e = tls12_enumerator(options);
  run(e, server);
  EXPECT_FALSE(e.server_preference());
  ASSERT_TRUE(e.start_preference_test());
  run(e, server);
  EXPECT_EQ(e.server_preference(), false);
}

TEST(GroupEnumerationTest, AdoptedFirstAnswerSavesAHello) {
  SimulatedServer server;
  server.suites = {0xC02F};
  server.groups = {29, 23};
  GroupEnumerator e(kTls12, candidate_groups(kTls12), probe_spec(kTls12, std::nullopt));
  ASSERT_TRUE(e.adopt_first_answer(29));
  EXPECT_FALSE(e.adopt_first_answer(23)) << "only the first";
  run(e, server);
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{29, 23}));
  EXPECT_EQ(e.connections(), 2u);
}

TEST(GroupEnumerationTest, CandidateGroupsInTheOrderOfTheProbeHello) {
  for (uint16_t version : {kTls12, kTls13}) {
    std::vector<uint16_t> hello = probe_spec(version, std::nullopt).supported_groups;
    std::vector<uint16_t> candidates = candidate_groups(version);
    std::vector<uint16_t> filtered;
    for (uint16_t g : hello) {
      if (has(candidates, g)) filtered.push_back(g);
    }
    EXPECT_EQ(filtered, candidates) << version;
  }
}

}  // namespace
}  // namespace tlsfleet::tls

namespace tlsfleet::tls {
namespace {

// A TLS 1.2 DHE-only server reduced to its group policy: RFC 7919 (the first of its
// groups the client offers, else a refusal), or one that ignores supported_groups and
// always sends the same prime (a named group, or its own prime: group nullopt).
struct SimulatedDheServer {
  std::vector<uint16_t> groups;  // RFC 7919 server: its groups, in its order
  bool ignores_offer = false;
  std::optional<uint16_t> fixed_group;  // ignores_offer: its group (nullopt: its own prime)
  size_t fixed_bits = 2048;
  size_t connections = 0;

  ProbeOutcome answer(const PlannedProbe& probe) {
    ++connections;
    EXPECT_TRUE(probe.parser.read_first_flight);
    EXPECT_FALSE(build_client_hello(probe.hello).empty());
    for (uint16_t suite : probe.hello.cipher_suites) EXPECT_TRUE(is_dhe_suite(suite)) << suite;
    ProbeOutcome o{Verdict::kChose, kTls12, 0x009E, std::nullopt};
    if (ignores_offer) {
      o.group = fixed_group;
      o.dh_prime_bits = fixed_group ? ffdhe_prime(*fixed_group).size() * 8 : fixed_bits;
      return o;
    }
    for (uint16_t g : groups) {
      if (has(probe.hello.supported_groups, g)) {
        o.group = g;
        o.dh_prime_bits = ffdhe_prime(g).size() * 8;
        return o;
      }
    }
    return ProbeOutcome{Verdict::kRefused, 0, 0, std::nullopt};
  }
};

void run_dhe(GroupEnumerator& e, SimulatedDheServer& server) {
  for (int guard = 0; guard < 100; ++guard) {
    auto probe = e.next();
    if (!probe) break;
    e.record(server.answer(*probe));
  }
  ASSERT_TRUE(e.finished());
  EXPECT_EQ(e.connections(), server.connections);
}

GroupEnumerator dhe_enumerator() {
  return GroupEnumerator(kTls12, candidate_dhe_groups(), probe_spec(kTls12, std::nullopt));
}

TEST(DheGroupEnumerationTest, CandidatesAreTheRfc7919GroupsInTheProbeHelloOrder) {
  EXPECT_EQ(candidate_dhe_groups(), (std::vector<uint16_t>{256, 257, 258, 259, 260}));
  const std::vector<uint16_t> hello = probe_spec(kTls12, std::nullopt).supported_groups;
  std::vector<uint16_t> filtered;
  for (uint16_t g : hello) {
    if (g >= 256 && g <= 260) filtered.push_back(g);
  }
  EXPECT_EQ(filtered, candidate_dhe_groups()) << "a suite hello's DHE pick is the first answer";
  EXPECT_TRUE(is_dhe_suite(0x009E) && is_dhe_suite(0x0034) && !is_dhe_suite(0x00AA));
  EXPECT_TRUE(is_ecdhe_suite(0xC02F) && !is_ecdhe_suite(0x009E) && !is_ecdhe_suite(0xC037));
}

TEST(DheGroupEnumerationTest, Rfc7919ServerInAcceptedPlusOne) {
  SimulatedDheServer server;
  server.groups = {257, 256};
  GroupEnumerator e = dhe_enumerator();
  auto first = e.next();
  ASSERT_TRUE(first);
  EXPECT_TRUE(has(first->hello.cipher_suites, 0x009E) && !has(first->hello.cipher_suites, 0xC02F));
  EXPECT_EQ(first->hello.supported_groups, candidate_dhe_groups());
  run_dhe(e, server);
  EXPECT_EQ(e.accepted(), server.groups) << "named in the server's order";
  EXPECT_EQ(e.connections(), 2u + 1);
  EXPECT_TRUE(e.complete()) << e.note();
  EXPECT_FALSE(e.custom_dh_bits());
}

TEST(DheGroupEnumerationTest, FirstAnswerFromASuitePickSavesAHello) {
  SimulatedDheServer server;
  server.groups = {256};
  GroupEnumerator e = dhe_enumerator();
  ProbeOutcome pick{Verdict::kChose, kTls12, 0xCCAA, 256};
  pick.dh_prime_bits = 2048;
  ASSERT_TRUE(e.adopt_first_answer(pick));
  run_dhe(e, server);
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{256}));
  EXPECT_EQ(e.connections(), 1u) << "only the refusal";
  EXPECT_TRUE(e.complete());
}

TEST(DheGroupEnumerationTest, ServerIgnoringSupportedGroupsEndsAtTheRepeat) {
  SimulatedDheServer server;
  server.ignores_offer = true;
  server.fixed_group = 256;
  GroupEnumerator e = dhe_enumerator();
  run_dhe(e, server);
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{256}));
  EXPECT_EQ(e.connections(), 2u);
  EXPECT_TRUE(e.complete()) << "what the server uses is known";
  EXPECT_FALSE(e.note().empty());
  // A server ignoring the offer with a group we never offered first: that group, once.
  SimulatedDheServer odd;
  odd.ignores_offer = true;
  odd.fixed_group = 258;
  GroupEnumerator f(kTls12, {256, 257}, probe_spec(kTls12, std::nullopt));
  run_dhe(f, odd);
  EXPECT_EQ(f.accepted(), (std::vector<uint16_t>{258}));
  EXPECT_EQ(f.connections(), 1u);
}

TEST(DheGroupEnumerationTest, ServerWithItsOwnPrimeNamesNoGroup) {
  SimulatedDheServer server;
  server.ignores_offer = true;
  server.fixed_bits = 1024;
  GroupEnumerator e = dhe_enumerator();
  run_dhe(e, server);
  EXPECT_TRUE(e.accepted().empty()) << "no group is invented";
  EXPECT_EQ(e.custom_dh_bits(), 1024u);
  EXPECT_EQ(e.connections(), 1u);
  EXPECT_TRUE(e.complete());
  // Told by a suite pick already: no connection at all.
  GroupEnumerator f = dhe_enumerator();
  ProbeOutcome pick{Verdict::kChose, kTls12, 0x0033, std::nullopt};
  pick.dh_prime_bits = 3072;
  ASSERT_TRUE(f.adopt_first_answer(pick));
  EXPECT_TRUE(f.finished());
  EXPECT_EQ(f.custom_dh_bits(), 3072u);
  EXPECT_EQ(f.connections(), 0u);
}

TEST(DheGroupEnumerationTest, EcdheAnswersAreNotAdoptedAsDheAndViceVersa) {
  GroupEnumerator dhe = dhe_enumerator();
  EXPECT_FALSE(dhe.adopt_first_answer(ProbeOutcome{Verdict::kChose, kTls12, 0xC02F, 29}));
  GroupEnumerator ec(kTls12, candidate_groups(kTls12), probe_spec(kTls12, std::nullopt));
  ProbeOutcome pick{Verdict::kChose, kTls12, 0x009E, 256};
  pick.dh_prime_bits = 2048;
  EXPECT_FALSE(ec.adopt_first_answer(pick));
  pick.group.reset();
  EXPECT_FALSE(ec.adopt_first_answer(pick)) << "an ECDHE enumeration ignores DH primes";
  EXPECT_FALSE(ec.finished());
}

// OpenSSL 3 as a TLS 1.2 DHE server ignores supported_groups. With dh auto it sends an
// RFC 3526 MODP prime sized to its certificate: no named group, one hello.
TEST(EnumerationEndToEndTest, Tls12DheAutoAgainstOpenSslNamesNoGroup) {
  test::ServerConfig config;
  config.max_version = TLS1_2_VERSION;
  config.ciphers = "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-CHACHA20-POLY1305";
  config.ec_cert = false;
  auto ctx = test::make_server_context(config);  // sets dh auto, as s_server does
  GroupEnumerator e = dhe_enumerator();
  run_against(e, ctx.get());
  EXPECT_TRUE(e.complete()) << e.note();
  EXPECT_TRUE(e.accepted().empty());
  EXPECT_EQ(e.custom_dh_bits(), 2048u);
  EXPECT_EQ(e.connections(), 1u);
}

// Configured with ffdhe3072's parameters, OpenSSL sends them whatever is offered: named,
// and the hello without it draws it again, which ends the list.
TEST(EnumerationEndToEndTest, Tls12DheFixedFfdheAgainstOpenSsl) {
  test::ServerConfig config;
  config.max_version = TLS1_2_VERSION;
  config.ciphers = "DHE-RSA-AES128-GCM-SHA256";
  config.ec_cert = false;
  auto ctx = test::make_server_context(config);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  ASSERT_NE(pctx, nullptr);
  EVP_PKEY* params = nullptr;
  OSSL_PARAM request[] = {
      OSSL_PARAM_construct_utf8_string("group", const_cast<char*>("ffdhe3072"), 0),
      OSSL_PARAM_construct_end()};
  ASSERT_GT(EVP_PKEY_paramgen_init(pctx), 0);
  ASSERT_GT(EVP_PKEY_CTX_set_params(pctx, request), 0);
  ASSERT_GT(EVP_PKEY_paramgen(pctx, &params), 0);
  EVP_PKEY_CTX_free(pctx);
  SSL_CTX_set_dh_auto(ctx.get(), 0);  // make_server_context turned it on
  ASSERT_EQ(SSL_CTX_set0_tmp_dh_pkey(ctx.get(), params), 1);
  GroupEnumerator e = dhe_enumerator();
  run_against(e, ctx.get());
  EXPECT_TRUE(e.complete()) << e.note();
  EXPECT_EQ(e.accepted(), (std::vector<uint16_t>{257})) << e.note();
  EXPECT_FALSE(e.custom_dh_bits());
  EXPECT_EQ(e.connections(), 2u);
}

}  // namespace
}  // namespace tlsfleet::tls
