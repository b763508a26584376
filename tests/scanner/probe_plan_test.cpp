#include "scanner/probe_plan.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <functional>
#include <optional>
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
  int high = p.kind == ProbeKind::kMain || (p.kind == ProbeKind::kNoSni && p.max_version == 0) ||
                     p.kind == ProbeKind::kResumeTicket
                 ? TLS1_3_VERSION
                 : p.max_version;
  // A chain hello offers SSLv3's suites too: an SSLv3 server answers it.
  int low = p.kind == ProbeKind::kMain           ? TLS1_2_VERSION
            : p.kind == ProbeKind::kVersionChain ? SSL3_VERSION
                                                 : TLS1_VERSION;
  for (int v = high; v >= low; --v) {
    if (std::find(s.versions.begin(), s.versions.end(), v) != s.versions.end()) {
      o.handshake_ok = true;
      o.version = v;
      break;
    }
  }
  bool ticketable =
      p.kind == ProbeKind::kMain || (p.kind == ProbeKind::kNoSni && !p.session_id_source);
  o.has_ticket = o.handshake_ok && s.tickets && ticketable;
  o.has_session_id =
      o.handshake_ok && !o.has_ticket && s.session_ids && o.version <= TLS1_2_VERSION;
  if (p.kind == ProbeKind::kVersionChain) o.has_session_id = false;  // a hand-built hello
  o.reused = o.handshake_ok;
  return o;
}

// Starts a plan the way a main handshake at `version` that drew a ticket would.
void record_main_with_ticket(ProbePlan& plan, int version) {
  ASSERT_EQ(plan.next()->kind, ProbeKind::kMain);
  ProbeOutcome main;
  main.connected = main.handshake_ok = true;
  main.version = version;
  main.has_ticket = true;
  plan.record(main);
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
  // Up to 1.2 by OpenSSL (the session-ID source), up to 1.1 by a chain hello whose refusal
  // refuses SSLv3 too.
  std::vector<ProbeKind> expected = {ProbeKind::kMain,         ProbeKind::kVersion,
                                     ProbeKind::kVersionChain, ProbeKind::kNoSni,
                                     ProbeKind::kResumeTicket, ProbeKind::kResumeSessionId};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(plan.legacy_accepted(SSL2_VERSION), false) << "inferred from TLS 1.3";
  EXPECT_EQ(plan.legacy_accepted(SSL3_VERSION), false) << "decided by the chain hello";
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

// The chain hello: an SSLv3 server with TLS 1.2 answers the "up to 1.1" hello with SSLv3,
// which decides SSLv3 without a hello of its own; a TLS 1.0 answer leaves SSLv3 to its
// hello.
TEST(ProbePlan, ChainHelloDecidesSslv3WhenItIsTheAnswer) {
  ProbePlan ssl3(Depth::kStandard, true);
  auto kinds = run(ssl3, {{SSL3_VERSION, TLS1_2_VERSION}});
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kVersionChain), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSsl3Hello), 0);
  EXPECT_EQ(ssl3.legacy_accepted(SSL3_VERSION), true);
  EXPECT_EQ(ssl3.accepted(TLS1_1_VERSION), false);
  EXPECT_EQ(ssl3.accepted(TLS1_VERSION), false);

  ProbePlan tls10(Depth::kStandard, true);
  kinds = run(tls10, {{TLS1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION}});
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kVersionChain), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSsl3Hello), 1);
  EXPECT_EQ(tls10.accepted(TLS1_VERSION), true);
  EXPECT_EQ(tls10.accepted(TLS1_1_VERSION), false);
}

// No chain hello while the search must still supply the record's certificate, or the
// session ID: a server that refuses the modern hello gets OpenSSL version probes until one
// is accepted (with a session ID: the chain goes on below it; without one, and without
// TLS 1.2 to tell whether the server hands any out, OpenSSL asks again).
TEST(ProbePlan, NoChainHelloBeforeTheCertificateIsKnown) {
  ProbePlan plan(Depth::kStandard, true);
  auto kinds = run(plan, {{TLS1_VERSION, TLS1_1_VERSION}});
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(kinds[1], ProbeKind::kVersion) << "up to 1.2: 1.1, the certificate comes from here";
  EXPECT_EQ(kinds[2], ProbeKind::kVersionChain) << "up to 1.0";
  EXPECT_EQ(plan.accepted(TLS1_1_VERSION), true);
  EXPECT_EQ(plan.accepted(TLS1_VERSION), true);

  ProbePlan no_ids(Depth::kStandard, true);
  kinds = run(no_ids, {{TLS1_VERSION, TLS1_1_VERSION}, false, false});
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(kinds[2], ProbeKind::kVersion) << "a TLS 1.0 ServerHello may yet carry an ID";
  EXPECT_EQ(no_ids.accepted(TLS1_VERSION), true);
}

// The TLS 1.2 main handshake took a ticket (and so an empty session ID): the no-SNI probe,
// asking without tickets, is the session-ID source; no connection of its own.
TEST(ProbePlan, Tls12ServerWithTicketsTakesItsSessionIdFromTheNoSniProbe) {
  for (Depth depth : {Depth::kStandard, Depth::kFull}) {
    ProbePlan plan(depth, true);
    auto kinds = run(plan, {{TLS1_2_VERSION}, true, true});
    EXPECT_EQ(plan.accepted(TLS1_3_VERSION), false);
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSessionIdSource), 0);
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kResumeSessionId), 1);
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kResumeTicket), 1);
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), ProbeKind::kSsl2Hello), 1)
        << "no TLS 1.3: SSLv2 must be asked";
    EXPECT_EQ(plan.session_id_version(), TLS1_2_VERSION);
    EXPECT_LE(kinds.size(), 7u);
  }
}

// The no-SNI probe goes on past the certificate only as the session-ID source, with the
// main handshake's leaf, at TLS <= 1.2, and a ServerHello that carries a session ID; when
// it does not, the session-ID source gets its own connection as before.
TEST(ProbePlan, NoSniProbeIsTheSessionIdSourceOnlyWithTheMainLeaf) {
  ProbePlan plan(Depth::kFull, true);
  record_main_with_ticket(plan, TLS1_2_VERSION);
  std::optional<ProbeSpec> p;
  while ((p = plan.next()) && p->kind != ProbeKind::kNoSni) {
    EXPECT_FALSE(plan.completes_after_certificate(true, TLS1_2_VERSION, true));
    ProbeOutcome refused;
    refused.connected = true;
    plan.record(refused);
  }
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->session_id_source);
  EXPECT_EQ(p->reach, ProbeReach::kCertificate);
  EXPECT_TRUE(plan.completes_after_certificate(true, TLS1_2_VERSION, true));
  EXPECT_FALSE(plan.completes_after_certificate(false, TLS1_2_VERSION, true))
      << "another certificate: another virtual host, maybe another session cache";
  EXPECT_FALSE(plan.completes_after_certificate(true, TLS1_3_VERSION, true));
  EXPECT_FALSE(plan.completes_after_certificate(true, TLS1_2_VERSION, false));
  ProbeOutcome other_host;  // stopped at the certificate: no session
  other_host.connected = other_host.handshake_ok = true;
  other_host.version = TLS1_2_VERSION;
  plan.record(other_host);
  std::vector<ProbeKind> rest;
  while ((p = plan.next())) {
    rest.push_back(p->kind);
    ProbeOutcome ok;
    ok.connected = ok.handshake_ok = true;
    ok.version = TLS1_2_VERSION;
    ok.has_session_id = p->kind == ProbeKind::kSessionIdSource;
    plan.record(ok);
  }
  std::vector<ProbeKind> expected = {ProbeKind::kResumeTicket, ProbeKind::kSessionIdSource,
                                     ProbeKind::kResumeSessionId};
  EXPECT_EQ(rest, expected);
}

// A TLS 1.3 main handshake: the no-SNI probe stays a certificate probe; it offers TLS 1.2
// at most once TLS 1.2 is known to be accepted (the certificate in clear, no key
// exchange), TLS 1.3 otherwise.
TEST(ProbePlan, NoSniProbeAfterTls13IsNoSessionIdSource) {
  for (Depth depth : {Depth::kStandard, Depth::kFull}) {
    for (const Server& s : {Server{{TLS1_2_VERSION, TLS1_3_VERSION}}, Server{{TLS1_3_VERSION}}}) {
      ProbePlan plan(depth, true);
      int no_sni = 0;
      while (auto p = plan.next()) {
        if (p->kind == ProbeKind::kNoSni) {
          ++no_sni;
          EXPECT_FALSE(p->session_id_source);
          EXPECT_EQ(p->max_version, s.versions.size() == 2 ? TLS1_2_VERSION : 0);
        }
        plan.record(answer(s, *p));
      }
      EXPECT_EQ(no_sni, 1);
    }
  }
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

// Runs the plan as EndpointJob does with early stops: an OpenSSL probe whose reach is the
// ServerHello and that was accepted goes on to the end only when completes_after_hello()
// says so; otherwise it yields no session. Counts the complete handshakes.
std::vector<ProbeKind> run_stopping(ProbePlan& plan, const Server& s, int* complete) {
  std::vector<ProbeKind> kinds;
  *complete = 0;
  while (auto p = plan.next()) {
    kinds.push_back(p->kind);
    ProbeOutcome o = answer(s, *p);
    bool openssl = p->kind != ProbeKind::kSsl3Hello && p->kind != ProbeKind::kSsl2Hello &&
                   p->kind != ProbeKind::kVersionChain;
    bool completes = openssl && o.handshake_ok && p->reach == ProbeReach::kFinished;
    if (p->reach == ProbeReach::kServerHello && o.handshake_ok) {
      bool hello_has_session_id = s.session_ids && o.version <= TLS1_2_VERSION;
      completes = plan.completes_after_hello(hello_has_session_id);
      if (!completes) {
        o.has_ticket = false;
        o.has_session_id = false;
      }
    }
    if (p->reach == ProbeReach::kCertificate && o.handshake_ok) {
      bool hello_has_session_id = s.session_ids && o.version <= TLS1_2_VERSION;
      completes = plan.completes_after_certificate(true, o.version, hello_has_session_id);
      if (!completes) {
        o.has_ticket = false;
        o.has_session_id = false;
      }
    }
    if (completes) ++*complete;
    plan.record(o);
    if (kinds.size() > 20) break;
  }
  return kinds;
}

TEST(ProbePlan, OnlyTheMainHandshakeRunsToTheEndByReach) {
  ProbePlan plan(Depth::kStandard, true);
  Server s{{TLS1_2_VERSION, TLS1_3_VERSION}};
  while (auto p = plan.next()) {
    switch (p->kind) {
      case ProbeKind::kMain:
      case ProbeKind::kVersionChain:
      case ProbeKind::kSsl3Hello:
      case ProbeKind::kSsl2Hello:
        EXPECT_EQ(p->reach, ProbeReach::kFinished);
        break;
      case ProbeKind::kNoSni:
        EXPECT_EQ(p->reach, ProbeReach::kCertificate) << "only the leaf is wanted";
        break;
      default:
        EXPECT_EQ(p->reach, ProbeReach::kServerHello) << static_cast<int>(p->kind);
    }
    plan.record(answer(s, *p));
  }
}

TEST(ProbePlan, VersionProbeCompletesOnlyToBeTheSessionIdSource) {
  ProbePlan plan(Depth::kStandard, true);
  record_main_with_ticket(plan, TLS1_3_VERSION);
  auto p = plan.next();
  ASSERT_EQ(p->kind, ProbeKind::kVersion);
  EXPECT_TRUE(plan.completes_after_hello(true)) << "no session ID held yet";
  EXPECT_FALSE(plan.completes_after_hello(false)) << "a server that sends none caches none";
  ProbeOutcome v12;
  v12.connected = v12.handshake_ok = true;
  v12.version = TLS1_2_VERSION;
  v12.has_session_id = true;
  plan.record(v12);
  p = plan.next();
  ASSERT_EQ(p->kind, ProbeKind::kVersionChain) << "nothing left for OpenSSL to fetch";
  EXPECT_FALSE(plan.completes_after_hello(true)) << "the session ID is already held";
}

TEST(ProbePlan, VersionProbeCompletesToSupplyTheCertificate) {
  ProbePlan plan(Depth::kStandard, true);
  plan.next();
  ProbeOutcome refused;
  refused.connected = true;
  plan.record(refused);  // the modern hello is refused
  ASSERT_EQ(plan.next()->kind, ProbeKind::kVersion);
  EXPECT_TRUE(plan.completes_after_hello(false)) << "the record's certificate comes from here";
  ProbeOutcome v11;
  v11.connected = v11.handshake_ok = true;
  v11.version = TLS1_1_VERSION;
  v11.has_session_id = true;
  plan.record(v11);
  ASSERT_EQ(plan.next()->kind, ProbeKind::kVersionChain);
  EXPECT_FALSE(plan.completes_after_hello(true)) << "certificate and session ID are known";
}

// Stopping at the ServerHello decides exactly what complete handshakes decide, with at
// most two complete handshakes per endpoint (the main one and the session-ID source, or
// the version probe that stands in for a refused main handshake).
TEST(ProbePlan, EarlyStopsDecideTheSameForEveryServerShape) {
  const std::vector<int> all = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
  for (Depth depth : {Depth::kStandard, Depth::kFull}) {
    for (int mask = 1; mask < 16; ++mask) {
      for (int flags = 0; flags < 4; ++flags) {
        Server s;
        for (int i = 0; i < 4; ++i) {
          if (mask & (1 << i)) s.versions.push_back(all[i]);
        }
        s.tickets = flags & 1;
        s.session_ids = flags & 2;
        ProbePlan full(depth, true), stopping(depth, true);
        auto full_kinds = run(full, s);
        int complete = 0;
        auto stopping_kinds = run_stopping(stopping, s, &complete);
        std::string shape = "mask " + std::to_string(mask) + " flags " + std::to_string(flags);
        EXPECT_EQ(stopping_kinds, full_kinds) << shape;
        for (int v : all) EXPECT_EQ(stopping.accepted(v), full.accepted(v)) << shape;
        EXPECT_EQ(stopping.session_id_version(), full.session_id_version()) << shape;
        EXPECT_EQ(stopping.session_id_unavailable(), full.session_id_unavailable()) << shape;
        EXPECT_EQ(stopping.ticket_available(), full.ticket_available()) << shape;
        EXPECT_LE(complete, 2) << shape;
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
