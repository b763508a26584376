#include "scanner/probe_plan.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <functional>
#include <vector>

namespace tlsfleet::scanner {
namespace {

// A simulated server policy: which versions it takes, whether it issues tickets and
// session IDs, whether it needs SNI. Drives the plan to the end and returns the probes.
struct Server {
  std::vector<int> versions;  // accepted, OpenSSL numbers
  bool tickets = true;
  bool session_ids = true;
  bool reachable = true;
};

ProbeOutcome answer(const Server& s, const ProbeSpec& p) {
  ProbeOutcome o;
  o.connected = s.reachable;
  if (!s.reachable) return o;
  int high = p.kind == ProbeKind::kMain || p.kind == ProbeKind::kNoSni ||
                     p.kind == ProbeKind::kResumeTicket
                 ? TLS1_3_VERSION
                 : p.max_version;
  int low = p.kind == ProbeKind::kMain ? TLS1_2_VERSION : TLS1_VERSION;
  for (int v = high; v >= low; --v) {
    if (std::find(s.versions.begin(), s.versions.end(), v) != s.versions.end()) {
      o.handshake_ok = true;
      o.version = v;
      break;
    }
  }
  bool ticketable = p.kind == ProbeKind::kMain || p.kind == ProbeKind::kNoSni;
  o.has_ticket = o.handshake_ok && s.tickets && ticketable;
  o.has_session_id =
      o.handshake_ok && !o.has_ticket && s.session_ids && o.version <= TLS1_2_VERSION;
  o.reused = o.handshake_ok;
  return o;
}

std::vector<ProbeKind> run(ProbePlan& plan, const Server& s) {
  std::vector<ProbeKind> kinds;
  while (auto p = plan.next()) {
    kinds.push_back(p->kind);
    plan.record(answer(s, *p));
    if (kinds.size() > 20) break;
  }
  return kinds;
}

TEST(ProbePlan, BasicDepthIsOneConnection) {
  ProbePlan plan(Depth::kBasic, true);
  EXPECT_EQ(run(plan, {{TLS1_2_VERSION, TLS1_3_VERSION}}),
            std::vector<ProbeKind>{ProbeKind::kMain});
}

TEST(ProbePlan, ModernServerStandardDepth) {
  ProbePlan plan(Depth::kStandard, true);
  auto kinds = run(plan, {{TLS1_2_VERSION, TLS1_3_VERSION}});
  std::vector<ProbeKind> expected = {ProbeKind::kMain,           ProbeKind::kVersion,
                                     ProbeKind::kVersion,        ProbeKind::kSsl3Hello,
                                     ProbeKind::kNoSni,          ProbeKind::kResumeTicket,
                                     ProbeKind::kResumeSessionId};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(plan.legacy_accepted(SSL2_VERSION), false) << "inferred from TLS 1.3";
  EXPECT_EQ(plan.accepted(TLS1_3_VERSION), true);
  EXPECT_EQ(plan.accepted(TLS1_2_VERSION), true);
  EXPECT_EQ(plan.accepted(TLS1_1_VERSION), false);
  EXPECT_EQ(plan.accepted(TLS1_VERSION), false);
  EXPECT_EQ(plan.session_id_version(), TLS1_2_VERSION);
}

TEST(ProbePlan, LegacyServerEveryVersionFoundWithinEightConnections) {
  ProbePlan plan(Depth::kStandard, true);
  auto kinds = run(plan, {{TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION}});
  EXPECT_LE(kinds.size(), 8u);
  for (int v = TLS1_VERSION; v <= TLS1_3_VERSION; ++v) EXPECT_EQ(plan.accepted(v), true) << v;
}

TEST(ProbePlan, Tls13OnlyServerHasNoSessionIdToResume) {
  ProbePlan plan(Depth::kStandard, true);
  auto kinds = run(plan, {{TLS1_3_VERSION}});
  EXPECT_EQ(plan.accepted(TLS1_2_VERSION), false);
  EXPECT_TRUE(plan.session_id_unavailable());
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kResumeSessionId), 0);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSessionIdSource), 0);
}

TEST(ProbePlan, Tls12ServerWithTicketsGetsASessionIdSource) {
  ProbePlan plan(Depth::kStandard, true);
  auto kinds = run(plan, {{TLS1_2_VERSION}, true, true});
  EXPECT_EQ(plan.accepted(TLS1_3_VERSION), false);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSessionIdSource), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kResumeSessionId), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kResumeTicket), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSsl2Hello), 1)
      << "no TLS 1.3: SSLv2 must be asked";
  EXPECT_LE(kinds.size(), 8u);
}

TEST(ProbePlan, ModernHelloRefusedStillSearchesOldVersions) {
  ProbePlan plan(Depth::kStandard, true);
  run(plan, {{TLS1_VERSION}, false, true});
  EXPECT_FALSE(plan.main_ok());
  EXPECT_EQ(plan.accepted(TLS1_3_VERSION), false);
  EXPECT_EQ(plan.accepted(TLS1_2_VERSION), false);
  EXPECT_EQ(plan.accepted(TLS1_1_VERSION), false);
  EXPECT_EQ(plan.accepted(TLS1_VERSION), true);
}

TEST(ProbePlan, EveryServerShapeCostsAtMostEightConnections) {
  const std::vector<int> all = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
  // Every subset of versions, with and without tickets and session IDs.
  for (int mask = 1; mask < 16; ++mask) {
    for (int flags = 0; flags < 4; ++flags) {
      Server s;
      for (int i = 0; i < 4; ++i) {
        if (mask & (1 << i)) s.versions.push_back(all[i]);
      }
      s.tickets = flags & 1;
      s.session_ids = flags & 2;
      ProbePlan plan(Depth::kStandard, true);
      auto kinds = run(plan, s);
      EXPECT_LE(kinds.size(), 8u) << "versions mask " << mask << " flags " << flags;
      for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(plan.accepted(all[i]), (mask & (1 << i)) != 0) << mask << " v" << i;
      }
    }
  }
}

TEST(ProbePlan, NoSniProbeOnlyWhenANameIsSent) {
  ProbePlan plan(Depth::kStandard, false);
  auto kinds = run(plan, {{TLS1_2_VERSION, TLS1_3_VERSION}});
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kNoSni), 0);
}

TEST(ProbePlan, UnreachableServerStopsAfterTheMainProbe) {
  ProbePlan plan(Depth::kStandard, true);
  Server down;
  down.reachable = false;
  EXPECT_EQ(run(plan, down), std::vector<ProbeKind>{ProbeKind::kMain});
  EXPECT_FALSE(plan.accepted(TLS1_2_VERSION).has_value()) << "nothing decided";
}

TEST(ProbePlan, SilentServerStopsAfterTheMainProbe) {
  ProbePlan plan(Depth::kStandard, true);
  ASSERT_TRUE(plan.next());
  ProbeOutcome o;
  o.connected = true;
  o.timed_out = true;
  plan.record(o);
  EXPECT_FALSE(plan.next());
}

TEST(ProbePlan, PlaintextServerStopsAfterTheMainProbe) {
  ProbePlan plan(Depth::kStandard, true);
  ASSERT_TRUE(plan.next());
  ProbeOutcome o;
  o.connected = true;
  o.speaks_tls = false;
  plan.record(o);
  EXPECT_FALSE(plan.next());
}

}  // namespace
}  // namespace tlsfleet::scanner

namespace tlsfleet::scanner {
namespace {

// Full depth: the version search stops at the first version <= 1.2 (the session-ID
// session's), and no SSLv3 hello: the enumeration's chain decides the rest.
TEST(ProbePlan, FullDepthLeavesLowerVersionsToTheEnumeration) {
  ProbePlan plan(Depth::kFull, true);
  auto kinds = run(plan, {{TLS1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION}});
  std::vector<ProbeKind> expected = {ProbeKind::kMain, ProbeKind::kVersion, ProbeKind::kNoSni,
                                     ProbeKind::kResumeTicket, ProbeKind::kResumeSessionId};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(plan.accepted(TLS1_2_VERSION), true);
  EXPECT_FALSE(plan.accepted(TLS1_1_VERSION).has_value());
  EXPECT_FALSE(plan.legacy_accepted(SSL3_VERSION).has_value());
  plan.set_accepted(TLS1_1_VERSION, false);
  EXPECT_EQ(plan.accepted(TLS1_1_VERSION), false);
}

// With nothing accepted up to 1.2 the chain has nothing to run below, so the SSLv3 hello
// is the plan's, as at standard depth.
TEST(ProbePlan, FullDepthTls13OnlyStillSendsTheSslv3Hello) {
  ProbePlan plan(Depth::kFull, true);
  auto kinds = run(plan, {{TLS1_3_VERSION}});
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSsl3Hello), 1);
  for (int v = TLS1_VERSION; v <= TLS1_2_VERSION; ++v) EXPECT_EQ(plan.accepted(v), false);
}

// A TLS 1.2 main handshake needs no version probe at all at full depth.
TEST(ProbePlan, FullDepthTls12MainHandshakeIsTheVersionAnswer) {
  ProbePlan plan(Depth::kFull, true);
  auto kinds = run(plan, {{TLS1_2_VERSION}});
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kVersion), 0);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSsl3Hello), 0);
  EXPECT_FALSE(plan.accepted(TLS1_1_VERSION).has_value());
}

}  // namespace
}  // namespace tlsfleet::scanner
