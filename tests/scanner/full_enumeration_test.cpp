// FullEnumeration against simulated servers of several versions: what it finds, which
// versions its chain decides, and what it costs in hellos, for the shapes of the test
// fleet (the integration tests hold the real servers to the budget).
#include "scanner/full_enumeration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tls/client_hello.h"
#include "tls/iana_registry.h"
#include "tls/suite_enumeration.h"

namespace tlsfleet::scanner {
namespace {

using Verdict = tls::ProbeOutcome::Verdict;

bool has(const std::vector<uint16_t>& list, uint16_t v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// A server with suites per version (in its order), groups (in its order) and one
// preference rule for both.
struct Server {
  std::map<uint16_t, std::vector<uint16_t>> suites;  // version -> accepted suites
  std::vector<uint16_t> groups;
  // TLS <= 1.2 DHE: RFC 7919 groups in its order (the first offered one, else a refusal);
  // empty: its own prime of dh_own_bits, whatever is offered.
  std::vector<uint16_t> dh_groups;
  size_t dh_own_bits = 1024;
  bool server_preference = true;
  size_t hellos = 0;

  std::optional<uint16_t> pick(const std::vector<uint16_t>& mine,
                               const std::vector<uint16_t>& offered) const {
    const auto& first = server_preference ? mine : offered;
    const auto& second = server_preference ? offered : mine;
    for (uint16_t v : first) {
      if (has(second, v)) return v;
    }
    return std::nullopt;
  }

  tls::ProbeOutcome answer(const tls::PlannedProbe& probe) {
    ++hellos;
    const tls::ClientHelloSpec& h = probe.hello;
    tls::ProbeOutcome refused{Verdict::kRefused, 0, 0, std::nullopt};
    uint16_t version = 0;
    if (has(h.supported_versions, tls::kTls13)) {
      if (suites.count(tls::kTls13)) version = tls::kTls13;
    } else {
      for (auto it = suites.rbegin(); it != suites.rend(); ++it) {
        if (it->first <= h.version && it->first != tls::kTls13) {
          version = it->first;
          break;
        }
      }
    }
    if (version == 0) return refused;
    auto suite = pick(suites.at(version), h.cipher_suites);
    std::optional<uint16_t> group;
    const tls::CipherSuiteInfo* info = suite ? tls::find_cipher_suite(*suite) : nullptr;
    const bool ecdhe = info && info->key_exchange == tls::KeyExchange::kEcdhe;
    if (version == tls::kTls13 || ecdhe) {
      group = pick(groups, h.supported_groups);
      if (!group) return refused;
      if (version < tls::kTls13 && !probe.parser.read_first_flight) group.reset();
    }
    if (!suite) return refused;
    tls::ProbeOutcome chose{Verdict::kChose, version, *suite, group};
    if (version < tls::kTls13 && tls::is_dhe_suite(*suite) && probe.parser.read_first_flight) {
      if (dh_groups.empty()) {
        chose.dh_prime_bits = dh_own_bits;
      } else {
        chose.group = pick(dh_groups, h.supported_groups);
        if (!chose.group) return refused;
        chose.dh_prime_bits = 2048;  // the planner reads only the group
      }
    }
    return chose;
  }
};

struct Enumerated {
  std::unique_ptr<FullEnumeration> e;
  size_t hellos = 0;
};

Enumerated run(Server& server, EnumerationInput input) {
  Enumerated r;
  r.e = std::make_unique<FullEnumeration>(std::move(input));
  for (int guard = 0; guard < 1000; ++guard) {
    auto probe = r.e->next();
    if (!probe) break;
    r.e->record(server.answer(*probe));
  }
  r.hellos = server.hellos;
  EXPECT_EQ(r.e->connections(), r.hellos);
  return r;
}

size_t total_suites(const FullEnumeration& e) {
  size_t n = 0;
  for (const auto& [version, names] : e.ciphers()) n += names.size();
  return n;
}

const std::vector<uint16_t> kTls13Suites = {0x1301, 0x1302, 0x1303};
const std::vector<uint16_t> kGroups = {29, 23, 30, 25, 24, 256, 257, 258, 259, 260};
const std::vector<uint16_t> kTls12Suites = {0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9,
                                            0xCCA8, 0xC009, 0xC013, 0x009C, 0x002F};

// nginx with TLS 1.2 and 1.3, our order: the standard probes saw 1.2 and 1.3; the chain
// refuses 1.1, 1.0 and SSLv3 in one hello; TLS 1.3's suites and groups share hellos and
// its tail decides the preference, so no preference probe.
TEST(FullEnumeration, ModernClientPreferenceServer) {
  Server s;
  s.suites = {{tls::kTls13, kTls13Suites}, {tls::kTls12, kTls12Suites}};
  s.groups = kGroups;
  s.server_preference = false;
  EnumerationInput in{{tls::kTls13, tls::kTls12}, tls::kTls11, true, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_EQ(total_suites(*r.e), kTls13Suites.size() + kTls12Suites.size());
  EXPECT_EQ(r.e->groups()->size(), kGroups.size());
  EXPECT_EQ(r.e->server_preference(), false);
  for (uint16_t v : {tls::kTls11, tls::kTls10, tls::kSsl3}) {
    EXPECT_EQ(r.e->version_accepted(v), false) << v;
  }
  // G + 1 for TLS 1.3 (suites ride along), A12 + 1, 1 chain hello.
  EXPECT_EQ(r.hellos, kGroups.size() + 1 + kTls12Suites.size() + 1 + 1);
}

TEST(FullEnumeration, ModernServerPreferenceServer) {
  Server s;
  s.suites = {{tls::kTls13, {0x1301, 0x1303, 0x1302}}, {tls::kTls12, kTls12Suites}};
  s.groups = kGroups;
  EnumerationInput in{{tls::kTls13, tls::kTls12}, tls::kTls11, true, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_EQ(r.e->server_preference(), true);
  auto ciphers = r.e->ciphers();
  ASSERT_EQ(ciphers.size(), 2u);
  EXPECT_EQ(ciphers[0].second,
            (std::vector<std::string>{"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
                                      "TLS_AES_256_GCM_SHA384"}));
  EXPECT_LE(r.hellos, kGroups.size() + 2 + kTls12Suites.size() + 1 + 1);
}

// Every version from SSLv3 to TLS 1.3: the chain's hellos are the lower versions' first
// picks, so each version costs its suites + 1, and SSLv3 is found at the end of it.
TEST(FullEnumeration, EveryVersionDecidedByTheChain) {
  Server s;
  const std::vector<uint16_t> old = {0x002F, 0x0035, 0x000A};
  s.suites = {{tls::kTls13, kTls13Suites},
              {tls::kTls12, kTls12Suites},
              {tls::kTls11, old},
              {tls::kTls10, old},
              {tls::kSsl3, {0x000A}}};
  s.groups = kGroups;
  s.server_preference = false;
  EnumerationInput in{{tls::kTls13, tls::kTls12}, tls::kTls11, true, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  for (uint16_t v : {tls::kTls11, tls::kTls10, tls::kSsl3}) {
    EXPECT_EQ(r.e->version_accepted(v), true) << v;
  }
  EXPECT_EQ(total_suites(*r.e), 3 + kTls12Suites.size() + 3 + 3 + 1);
  EXPECT_EQ(r.hellos, kGroups.size() + 1 + (kTls12Suites.size() + 1) + (3 + 1) + (3 + 1) + 2);
}

// TLS 1.0 and 1.2 but not 1.1: the chain hello at 1.1 draws 1.0, which decides 1.1.
TEST(FullEnumeration, ChainSkipsAMissingVersion) {
  Server s;
  s.suites = {{tls::kTls12, {0xC02F, 0x002F}}, {tls::kTls10, {0x002F}}};
  s.groups = {23};
  EnumerationInput in{{tls::kTls12}, tls::kTls11, true, std::nullopt};
  Enumerated r = run(s, in);
  EXPECT_EQ(r.e->version_accepted(tls::kTls11), false);
  EXPECT_EQ(r.e->version_accepted(tls::kTls10), true);
  EXPECT_EQ(r.e->version_accepted(tls::kSsl3), false);
  EXPECT_TRUE(r.e->complete());
}

// TLS 1.2 only, our order: three picks in our order start the tail, which decides the
// preference and replaces the final refusal; the first ECDHE pick names the first group.
TEST(FullEnumeration, Tls12OnlyClientPreference) {
  Server s;
  s.suites = {{tls::kTls12, kTls12Suites}};
  s.groups = {29, 23};
  s.server_preference = false;
  EnumerationInput in{{tls::kTls12}, tls::kTls11, true, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_EQ(r.e->server_preference(), false);
  EXPECT_EQ(r.e->groups()->size(), 2u);
  // A + 1, chain 1, groups G (the first came free).
  EXPECT_EQ(r.hellos, kTls12Suites.size() + 1 + 1 + 2);
}

TEST(FullEnumeration, Tls12OnlyServerPreferenceDecidedByPicks) {
  Server s;
  s.suites = {{tls::kTls12, {0x000A, 0x009C, 0x002F, 0xC012, 0xC02F, 0xC013}}};
  s.groups = {23, 24, 25, 29, 30};
  EnumerationInput in{{tls::kTls12}, tls::kTls11, true, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_EQ(r.e->server_preference(), true);
  EXPECT_EQ(r.e->groups()->size(), 5u);
  EXPECT_EQ(r.hellos, 6 + 1 + 1 + 5);
}

// TLS 1.3 only: nothing left for the chain (the standard probes refused the rest).
TEST(FullEnumeration, Tls13OnlyServer) {
  Server s;
  s.suites = {{tls::kTls13, kTls13Suites}};
  s.groups = kGroups;
  s.server_preference = false;
  EnumerationInput in{{tls::kTls13}, 0, false, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_EQ(r.hellos, kGroups.size() + 1);
  EXPECT_EQ(r.e->server_preference(), false);
}

// More TLS 1.3 suites than groups: the groups run out first and the suites go on alone.
TEST(FullEnumeration, Tls13FewerGroupsThanSuites) {
  Server s;
  s.suites = {{tls::kTls13, {0x1302, 0x1301, 0x1303, 0x1304}}};
  s.groups = {29};
  EnumerationInput in{{tls::kTls13}, 0, false, std::nullopt};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_EQ(total_suites(*r.e), 4u);
  EXPECT_EQ(r.e->groups()->size(), 1u);
  EXPECT_LE(r.hellos, 4u + 3);
}

// TLS 1.2 only, DHE only (gnutls-serv with -KX-ALL:+DHE-RSA, RFC 7919): the first DHE
// pick names ffdhe2048 for free, one refusal ends the DHE groups, and no ECDHE hello is
// sent, the suite list holding no ECDHE suite.
TEST(FullEnumeration, Tls12DheOnlyServerNamesItsFfdheGroups) {
  Server s;
  s.suites = {{tls::kTls12, {0xCCAA, 0x009E, 0x009F}}};
  s.dh_groups = {256, 257};
  EnumerationInput in{{tls::kTls12}, tls::kTls11, true, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  ASSERT_TRUE(r.e->groups());
  EXPECT_EQ(*r.e->groups(), (std::vector<std::string>{"ffdhe2048", "ffdhe3072"}));
  EXPECT_FALSE(r.e->custom_dh_bits());
  // A + 1 (preference decided by the picks), chain 1, DHE groups G - 1 + 1.
  EXPECT_EQ(r.hellos, 3 + 1 + 1 + 2);
}

// ECDHE and DHE: both group lists, each with its first answer free.
TEST(FullEnumeration, Tls12EcdheAndDheGroups) {
  Server s;
  s.suites = {{tls::kTls12, {0xC02F, 0x009E, 0x002F}}};
  s.groups = {29, 23};
  s.dh_groups = {257};
  EnumerationInput in{{tls::kTls12}, tls::kTls11, true, "x.test"};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  ASSERT_TRUE(r.e->groups());
  EXPECT_EQ(*r.e->groups(), (std::vector<std::string>{"x25519", "secp256r1", "ffdhe3072"}));
  // A + 1, chain 1, ECDHE G - 1 + 1, DHE G - 1 + 1.
  EXPECT_EQ(r.hellos, 3 + 1 + 1 + 2 + 1);
}

// A DHE server with its own prime: no group invented, its size kept, no extra hello.
TEST(FullEnumeration, Tls12DheWithItsOwnPrime) {
  Server s;
  s.suites = {{tls::kTls12, {0xC02F, 0x009E}}};
  s.groups = {23};
  s.dh_own_bits = 1024;
  EnumerationInput in{{tls::kTls12}, tls::kTls11, true, std::nullopt};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_EQ(*r.e->groups(), (std::vector<std::string>{"secp256r1"}));
  EXPECT_EQ(r.e->custom_dh_bits(), 1024u);
}

// No DHE suite accepted: no DHE hello at all (the budget has nothing to pay it with).
TEST(FullEnumeration, Tls12WithoutDheSendsNoDheHello) {
  Server s;
  s.suites = {{tls::kTls12, {0xC02F, 0x002F}}};
  s.groups = {23};
  EnumerationInput in{{tls::kTls12}, tls::kTls11, true, std::nullopt};
  Enumerated r = run(s, in);
  EXPECT_TRUE(r.e->complete());
  EXPECT_FALSE(r.e->custom_dh_bits());
  EXPECT_EQ(*r.e->groups(), (std::vector<std::string>{"secp256r1"}));
}

}  // namespace
}  // namespace tlsfleet::scanner
