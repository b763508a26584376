// Resolver tests against a real dnsmasq and the misbehaving servers of dns_test_servers.h,
// on both lookup paths. Every resolver is pointed at a local server; nothing leaves
// 127.0.0.0/8.
#include "net/resolver.h"

#include <ares_version.h>
#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "tests/net/dns_test_servers.h"

namespace tlsfleet::net {
namespace {

using test::bulk_address;
using test::bulk_name;
using test::Clock;
using test::closed_udp_port;
using test::DecoyServer;
using test::kBulkNames;
using test::RcodeServer;
using test::SilentServer;

// c-ares 1.18 moves on to the next server after a REFUSED or SERVFAIL answer and, once
// none is left, ends the query with ARES_ECONNREFUSED: the resolver can only say that
// the servers failed. Later c-ares versions report ARES_EREFUSED.
#if ARES_VERSION < 0x011300
constexpr DnsError kRefusedAs = DnsError::kServfail;
#else
constexpr DnsError kRefusedAs = DnsError::kRefused;
#endif

std::vector<std::string> texts(const DnsAnswer& answer) {
  std::vector<std::string> out;
  for (const IpAddress& ip : answer.addresses) out.push_back(ip.to_string());
  return out;
}

// One lookup's outcome, as its callback saw it.
struct Result {
  int calls = 0;
  DnsAnswer answer;
  Clock::time_point at;
};

// Every test runs twice: with the resolver's own UDP path (GetParam() true) and with
// c-ares doing every lookup.
class ResolverTest : public test::DnsServerTest, public ::testing::WithParamInterface<bool> {
 protected:
  std::unique_ptr<Resolver> make(std::vector<std::string> servers, double timeout_s = 3.0,
                                 bool ipv6 = false) {
    ResolverOptions options;
    options.own_udp = GetParam();
    options.servers = std::move(servers);
    options.timeout_s = timeout_s;
    options.ipv6 = ipv6;
    std::string error;
    auto resolver = Resolver::create(&loop_, options, &error);
    EXPECT_TRUE(resolver) << error;
    return resolver;
  }
  std::unique_ptr<Resolver> make_local(double timeout_s = 3.0, bool ipv6 = false) {
    return make({dnsmasq_->server()}, timeout_s, ipv6);
  }

  // Starts a lookup whose callback records into *result; checks it did not run inside.
  void resolve(Resolver& resolver, const std::string& name, Result* result) {
    resolver.resolve(name, [result](const DnsAnswer& answer) {
      ++result->calls;
      result->answer = answer;
      result->at = Clock::now();
    });
    EXPECT_EQ(result->calls, 0) << "callback ran inside resolve(" << name << ")";
  }

  // close(), then the loop until every close callback ran.
  void close(Resolver& resolver) {
    resolver.close();
    EXPECT_FALSE(resolver.closed()) << "handles cannot be closed before the loop runs";
    EXPECT_TRUE(run_loop(5, [&] { return resolver.closed(); }));
    EXPECT_TRUE(resolver.closed());
  }

  Result lookup(Resolver& resolver, const std::string& name) {
    Result result;
    resolve(resolver, name, &result);
    EXPECT_TRUE(run_loop(10, [&] { return result.calls > 0; }));
    EXPECT_EQ(result.calls, 1) << name;
    return result;
  }
};

TEST_P(ResolverTest, SingleARecord) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  Result r = lookup(*resolver, "one.test");
  EXPECT_EQ(r.answer.error, DnsError::kNone) << r.answer.detail;
  EXPECT_EQ(texts(r.answer), std::vector<std::string>{"10.1.0.1"});
  EXPECT_TRUE(r.answer.detail.empty());
  EXPECT_EQ(resolver->in_flight(), 0u);
  close(*resolver);
}

TEST_P(ResolverTest, TwoARecordsBothReturned) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  Result r = lookup(*resolver, "two.test");
  EXPECT_EQ(r.answer.error, DnsError::kNone) << r.answer.detail;
  std::vector<std::string> got = texts(r.answer);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"10.1.0.2", "10.1.0.3"}));
  close(*resolver);
}

TEST_P(ResolverTest, Nxdomain) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  Result r = lookup(*resolver, "nope.test");
  EXPECT_EQ(r.answer.error, DnsError::kNxdomain) << r.answer.detail;
  EXPECT_TRUE(r.answer.addresses.empty());
  EXPECT_FALSE(r.answer.detail.empty());
  close(*resolver);
}

TEST_P(ResolverTest, NameWithoutARecordIsNoAddress) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  // six.test exists (it has an AAAA record), so this is NODATA, not NXDOMAIN.
  Result r = lookup(*resolver, "six.test");
  EXPECT_EQ(r.answer.error, DnsError::kNoAddress) << r.answer.detail;
  EXPECT_TRUE(r.answer.addresses.empty());
  EXPECT_FALSE(r.answer.detail.empty());
  close(*resolver);
}

TEST_P(ResolverTest, Ipv6ReturnsBothFamiliesIpv4First) {
  auto resolver = make_local(3.0, /*ipv6=*/true);
  ASSERT_TRUE(resolver);
  Result dual = lookup(*resolver, "dual.test");
  EXPECT_EQ(dual.answer.error, DnsError::kNone) << dual.answer.detail;
  EXPECT_EQ(texts(dual.answer), (std::vector<std::string>{"10.1.0.4", "fd00::4"}));
  // One family missing is not a failure when the other answered.
  Result six = lookup(*resolver, "six.test");
  EXPECT_EQ(six.answer.error, DnsError::kNone) << six.answer.detail;
  EXPECT_EQ(texts(six.answer), std::vector<std::string>{"fd00::5"});
  Result one = lookup(*resolver, "one.test");
  EXPECT_EQ(one.answer.error, DnsError::kNone) << one.answer.detail;
  EXPECT_EQ(texts(one.answer), std::vector<std::string>{"10.1.0.1"});
  Result nope = lookup(*resolver, "nope.test");
  EXPECT_EQ(nope.answer.error, DnsError::kNxdomain) << nope.answer.detail;
  EXPECT_EQ(dnsmasq_->queries("AAAA", "dual.test"), 1);
  close(*resolver);
}

TEST_P(ResolverTest, RefusedByServer) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  // dnsmasq has no upstream, so it refuses names outside its local .test domain.
  auto start = Clock::now();
  Result r = lookup(*resolver, "elsewhere.invalid");
  EXPECT_EQ(r.answer.error, kRefusedAs) << r.answer.detail;
  EXPECT_LT(r.at - start, std::chrono::milliseconds(500));
  close(*resolver);
}

TEST_P(ResolverTest, Servfail) {
  RcodeServer& server = rcode_server(/*rcode=*/2);
  auto resolver = make({loop_ip_ + ":" + std::to_string(server.port())});
  ASSERT_TRUE(resolver);
  auto start = Clock::now();
  Result r = lookup(*resolver, "one.test");
  EXPECT_EQ(r.answer.error, DnsError::kServfail) << r.answer.detail;
  // An answer, even a failing one, ends the lookup: no waiting for a timeout.
  EXPECT_LT(r.at - start, std::chrono::milliseconds(500));
  EXPECT_GE(server.queries(), 1);
  close(*resolver);
}

TEST_P(ResolverTest, BadName) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  for (std::string name :
       {std::string(64, 'a') + ".test", std::string("a..b.test"), std::string()}) {
    Result r = lookup(*resolver, name);
    EXPECT_EQ(r.answer.error, DnsError::kBadName) << name << ": " << r.answer.detail;
  }
  close(*resolver);
}

TEST_P(ResolverTest, TimeoutWithinBudget) {
  SilentServer silent(loop_ip_);
  auto resolver = make({loop_ip_ + ":" + std::to_string(silent.port())}, 0.6);
  ASSERT_TRUE(resolver);
  auto start = Clock::now();
  Result r = lookup(*resolver, "one.test");
  EXPECT_EQ(r.answer.error, DnsError::kTimeout) << r.answer.detail;
  EXPECT_LE(r.at - start, std::chrono::milliseconds(660));  // the budget + 10%
  EXPECT_GE(r.at - start, std::chrono::milliseconds(540));  // and it did wait
  EXPECT_EQ(silent.drain(), 2);                             // two tries
  close(*resolver);
}

TEST_P(ResolverTest, TimeoutBoundedWithSeveralServers) {
  // Two silent servers: c-ares alone would take 1/3 + 1/3 + 2/3 + 2/3 of the budget; the
  // resolver's own deadline still ends the lookup within it.
  SilentServer first(loop_ip_);
  SilentServer second(loop_ip_);
  auto resolver = make({loop_ip_ + ":" + std::to_string(first.port()),
                        loop_ip_ + ":" + std::to_string(second.port())},
                       0.6);
  ASSERT_TRUE(resolver);
  auto start = Clock::now();
  Result r;
  resolve(*resolver, "one.test", &r);
  EXPECT_TRUE(run_loop(5));
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.answer.error, DnsError::kTimeout) << r.answer.detail;
  EXPECT_LE(r.at - start, std::chrono::milliseconds(660));
  EXPECT_GE(first.drain() + second.drain(), 3);  // the budget saw both servers asked
  close(*resolver);
}

TEST_P(ResolverTest, ServerPortClosed) {
  auto resolver = make({loop_ip_ + ":" + std::to_string(closed_udp_port(loop_ip_))}, 5.0);
  ASSERT_TRUE(resolver);
  auto start = Clock::now();
  Result r = lookup(*resolver, "one.test");
  EXPECT_EQ(r.answer.error, DnsError::kServfail) << r.answer.detail;
  EXPECT_NE(r.answer.detail.find("refused"), std::string::npos) << r.answer.detail;
  // The ICMP port-unreachable ends it long before the 5 s budget.
  EXPECT_LT(r.at - start, std::chrono::seconds(1));
  close(*resolver);
}

TEST_P(ResolverTest, ThousandConcurrentLookups) {
  auto resolver = make_local(10.0);
  ASSERT_TRUE(resolver);
  std::vector<Result> results(kBulkNames);
  for (int i = 0; i < kBulkNames; ++i) resolve(*resolver, bulk_name(i), &results[i]);
  EXPECT_EQ(resolver->in_flight(), static_cast<size_t>(kBulkNames));
  auto start = Clock::now();
  EXPECT_TRUE(run_loop(20));
  int answered = 0;
  for (int i = 0; i < kBulkNames; ++i) {
    EXPECT_EQ(results[i].calls, 1) << bulk_name(i);
    EXPECT_EQ(results[i].answer.error, DnsError::kNone)
        << bulk_name(i) << ": " << results[i].answer.detail;
    answered += texts(results[i].answer) == std::vector<std::string>{bulk_address(i)};
  }
  EXPECT_EQ(answered, kBulkNames);
  // Well inside one retry timeout (3.3 s): no reply was lost and waited for.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(resolver->in_flight(), 0u);
  close(*resolver);
}

TEST_P(ResolverTest, LookupsPastTheQueryCapWaitAndKeepTheirWholeBudget) {
  SilentServer silent(loop_ip_);
  ResolverOptions options;
  options.own_udp = GetParam();
  options.servers = {loop_ip_ + ":" + std::to_string(silent.port())};
  options.timeout_s = 0.3;
  options.max_queries = 2;
  std::string error;
  auto resolver = Resolver::create(&loop_, options, &error);
  ASSERT_TRUE(resolver) << error;
  auto start = Clock::now();
  std::vector<Result> results(4);
  for (int i = 0; i < 4; ++i) resolve(*resolver, bulk_name(i), &results[i]);
  uv_run(&loop_, UV_RUN_NOWAIT);  // queries go out before the loop waits for I/O
  EXPECT_EQ(silent.drain(), 2);   // only two queries went out
  EXPECT_TRUE(run_loop(5));
  for (const Result& r : results) {
    EXPECT_EQ(r.calls, 1);
    EXPECT_EQ(r.answer.error, DnsError::kTimeout) << r.answer.detail;
  }
  // The last two started when the first two ended, and still had 300 ms of their own.
  EXPECT_LE(results[0].at - start, std::chrono::milliseconds(360));
  EXPECT_GE(results[3].at - start, std::chrono::milliseconds(540));
  EXPECT_LE(results[3].at - start, std::chrono::milliseconds(760));
  close(*resolver);
}

TEST_P(ResolverTest, IdenticalLookupsCoalesceAndAnswersAreCached) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  Result a, b, c;
  resolve(*resolver, "one.test", &a);
  resolve(*resolver, "one.test", &b);
  resolve(*resolver, "ONE.test", &c);  // names are case-insensitive
  EXPECT_EQ(resolver->in_flight(), 3u);
  EXPECT_TRUE(run_loop(5));
  for (Result* r : {&a, &b, &c}) {
    EXPECT_EQ(r->calls, 1);
    EXPECT_EQ(texts(r->answer), std::vector<std::string>{"10.1.0.1"});
  }
  EXPECT_EQ(dnsmasq_->queries("A", "one.test"), 1);

  // A cache hit: answered without a query, yet still later, on the loop.
  Result hit;
  resolve(*resolver, "one.test", &hit);
  EXPECT_EQ(resolver->in_flight(), 1u);
  EXPECT_TRUE(run_loop(5));
  EXPECT_EQ(hit.calls, 1);
  EXPECT_EQ(texts(hit.answer), std::vector<std::string>{"10.1.0.1"});

  // Failures are cached too.
  Result miss1 = lookup(*resolver, "nope.test");
  Result miss2 = lookup(*resolver, "nope.test");
  EXPECT_EQ(miss1.answer.error, DnsError::kNxdomain);
  EXPECT_EQ(miss2.answer.error, DnsError::kNxdomain);
  EXPECT_EQ(dnsmasq_->queries("A", "one.test"), 1);
  EXPECT_EQ(dnsmasq_->queries("A", "nope.test"), 1);
  close(*resolver);
}

TEST_P(ResolverTest, CacheKeepsEveryNameAsItGrows) {
  // Thousands of distinct names (the cache's index doubles several times on the way),
  // each asked twice while in flight and once more after: one query per name, and every
  // caller gets its own name's answer.
  RcodeServer& server = rcode_server(/*rcode=*/3);  // NXDOMAIN for every name
  ResolverOptions options;
  options.own_udp = GetParam();
  options.servers = {loop_ip_ + ":" + std::to_string(server.port())};
  options.max_queries = 64;
  std::string error;
  auto resolver = Resolver::create(&loop_, options, &error);
  ASSERT_TRUE(resolver) << error;
  constexpr int kNames = 5000;
  std::vector<Result> first(kNames), second(kNames), again(kNames);
  for (int i = 0; i < kNames; ++i) resolve(*resolver, bulk_name(i), &first[i]);
  for (int i = kNames - 1; i >= 0; --i) resolve(*resolver, bulk_name(i), &second[i]);
  EXPECT_TRUE(run_loop(20, [&] { return resolver->in_flight() == 0; }));
  EXPECT_EQ(server.queries(), kNames);
  for (int i = 0; i < kNames; ++i) resolve(*resolver, bulk_name(i), &again[i]);
  EXPECT_TRUE(run_loop(20, [&] { return resolver->in_flight() == 0; }));
  EXPECT_EQ(server.queries(), kNames);  // the third round came from the cache
  for (int i = 0; i < kNames; ++i) {
    for (const Result* r : {&first[i], &second[i], &again[i]}) {
      ASSERT_EQ(r->calls, 1) << bulk_name(i);
      EXPECT_EQ(r->answer.error, DnsError::kNxdomain) << bulk_name(i) << ": " << r->answer.detail;
    }
  }
  close(*resolver);
}

// True when /etc/hosts maps "localhost" to 127.0.0.1, as Debian's does.
bool hosts_file_has_localhost() {
  std::ifstream hosts("/etc/hosts");
  for (std::string line; std::getline(hosts, line);) {
    std::istringstream fields(line.substr(0, line.find('#')));
    std::string address, name;
    fields >> address;
    while (fields >> name) {
      if (address == "127.0.0.1" && name == "localhost") return true;
    }
  }
  return false;
}

TEST_P(ResolverTest, NamedServersAnswerAloneWithoutTheHostsFile) {
  if (!hosts_file_has_localhost()) GTEST_SKIP() << "/etc/hosts has no 127.0.0.1 localhost";
  RcodeServer& server = rcode_server(/*rcode=*/5);  // REFUSED for every name
  std::string address = loop_ip_ + ":" + std::to_string(server.port());

  // --resolver given: /etc/hosts does not answer, even for a name it holds. (c-ares 1.18
  // does not send this one-label name either, so the lookup just fails.)
  auto named = make({address});
  ASSERT_TRUE(named);
  Result r = lookup(*named, "localhost");
  EXPECT_NE(r.answer.error, DnsError::kNone);
  EXPECT_TRUE(r.answer.addresses.empty());
  close(*named);

  // The system's resolvers (no --resolver) come with the hosts file, as libc's do. Only
  // /etc/hosts is read here: it holds the name, so nothing is sent to those servers.
  auto system = make({});
  ASSERT_TRUE(system);
  Result s = lookup(*system, "localhost");
  EXPECT_EQ(texts(s.answer), std::vector<std::string>{"127.0.0.1"}) << s.answer.detail;
  close(*system);

  // The hosts file asked for explicitly: it answers, and nothing is sent.
  ResolverOptions options;
  options.own_udp = GetParam();
  options.servers = {address};
  options.hosts_file = ResolverOptions::HostsFile::kAlways;
  std::string error;
  auto with_hosts = Resolver::create(&loop_, options, &error);
  ASSERT_TRUE(with_hosts) << error;
  Result h = lookup(*with_hosts, "localhost");
  EXPECT_EQ(h.answer.error, DnsError::kNone) << h.answer.detail;
  EXPECT_EQ(texts(h.answer), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(server.queries(), 0);
  close(*with_hosts);
}

TEST_P(ResolverTest, CallbackMayResolveAgain) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  Result first, second;
  resolver->resolve("one.test", [&](const DnsAnswer& answer) {
    ++first.calls;
    first.answer = answer;
    resolve(*resolver, "two.test", &second);
  });
  EXPECT_TRUE(run_loop(5));
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.answer.addresses.size(), 2u);
  close(*resolver);
}

TEST_P(ResolverTest, CloseCancelsLookupsInFlight) {
  SilentServer silent(loop_ip_);
  auto resolver = make({loop_ip_ + ":" + std::to_string(silent.port())}, 5.0);
  ASSERT_TRUE(resolver);
  std::vector<Result> results(4);
  resolve(*resolver, "one.test", &results[0]);
  resolve(*resolver, "two.test", &results[1]);
  resolve(*resolver, "two.test", &results[2]);
  resolve(*resolver, "nope.test", &results[3]);
  // Let the queries go out, so c-ares has sockets the loop is polling.
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_GE(silent.drain(), 3);
  auto start = Clock::now();
  resolver->close();
  resolver->close();  // idempotent
  for (const Result& r : results) EXPECT_EQ(r.calls, 0) << "callbacks run on the loop";
  EXPECT_TRUE(run_loop(5));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  for (const Result& r : results) {
    EXPECT_EQ(r.calls, 1);
    EXPECT_EQ(r.answer.error, DnsError::kOther);
    EXPECT_EQ(r.answer.detail, "cancelled");
  }
  EXPECT_TRUE(resolver->closed());
  EXPECT_EQ(resolver->in_flight(), 0u);
  // A misuse, but still exactly one callback: no handle is left to deliver it later.
  int late_calls = 0;
  resolver->resolve(
      "one.test", [&](const DnsAnswer& answer) { late_calls += answer.error == DnsError::kOther; });
  EXPECT_EQ(late_calls, 1);
}

TEST_P(ResolverTest, CloseFromInsideACallback) {
  RcodeServer& refusing = rcode_server(/*rcode=*/5);
  auto resolver = make({loop_ip_ + ":" + std::to_string(refusing.port())}, 5.0);
  ASSERT_TRUE(resolver);
  Result pending, quick, after_close;
  resolve(*resolver, "silent.test", &pending);  // never answered
  resolver->resolve("quick.test", [&](const DnsAnswer& answer) {
    ++quick.calls;
    quick.answer = answer;
    resolver->close();
    resolve(*resolver, "late.test", &after_close);
  });
  EXPECT_TRUE(run_loop(5, [&] { return resolver->closed(); }));
  EXPECT_EQ(quick.calls, 1);
  EXPECT_EQ(quick.answer.error, kRefusedAs) << quick.answer.detail;
  EXPECT_EQ(pending.calls, 1);
  EXPECT_EQ(pending.answer.detail, "cancelled");
  EXPECT_EQ(after_close.calls, 1);
  EXPECT_EQ(after_close.answer.error, DnsError::kOther);
  EXPECT_TRUE(resolver->closed());
}

TEST_P(ResolverTest, DestroyedBeforeClosingStillClosesCleanly) {
  SilentServer silent(loop_ip_);
  auto resolver = make({loop_ip_ + ":" + std::to_string(silent.port())}, 5.0);
  ASSERT_TRUE(resolver);
  Result r;
  resolve(*resolver, "one.test", &r);
  uv_run(&loop_, UV_RUN_NOWAIT);
  resolver.reset();  // no close(), loop not run: the handles outlive the Resolver
  EXPECT_TRUE(run_loop(5));
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.answer.detail, "cancelled");
}

// Reverse lookups: dnsmasq answers PTR queries from the same hosts file.
TEST_P(ResolverTest, ReverseLookupGivesPtrNamesCachedAndCoalesced) {
  auto resolver = make_local();
  ASSERT_TRUE(resolver);
  Result first, second;
  resolver->reverse(*IpAddress::parse("10.1.0.1"), [&](const DnsAnswer& a) {
    ++first.calls;
    first.answer = a;
  });
  resolver->reverse(*IpAddress::parse("10.1.0.1"), [&](const DnsAnswer& a) {
    ++second.calls;
    second.answer = a;
  });
  EXPECT_EQ(first.calls + second.calls, 0) << "callbacks never run inside reverse()";
  EXPECT_TRUE(run_loop(10, [&] { return first.calls > 0 && second.calls > 0; }));
  EXPECT_EQ(first.answer.error, DnsError::kNone) << first.answer.detail;
  EXPECT_EQ(first.answer.names, std::vector<std::string>{"one.test"});
  EXPECT_TRUE(first.answer.addresses.empty());
  EXPECT_EQ(second.answer.names, first.answer.names);
  EXPECT_EQ(dnsmasq_->queries("PTR", "1.0.1.10.in-addr.arpa"), 1) << "one query for both";

  Result v6;
  resolver->reverse(*IpAddress::parse("fd00::5"), [&](const DnsAnswer& a) {
    ++v6.calls;
    v6.answer = a;
  });
  EXPECT_TRUE(run_loop(10, [&] { return v6.calls > 0; }));
  EXPECT_EQ(v6.answer.names, std::vector<std::string>{"six.test"}) << v6.answer.detail;

  // A forward lookup of a name and the reverse lookup of an address never share an entry.
  Result forward = lookup(*resolver, "one.test");
  EXPECT_EQ(texts(forward.answer), std::vector<std::string>{"10.1.0.1"});
  close(*resolver);
}

TEST_P(ResolverTest, ReverseLookupWithoutPtrRecordFails) {
  auto resolver = make_local(1.0);
  ASSERT_TRUE(resolver);
  Result r;
  resolver->reverse(*IpAddress::parse("10.77.0.9"), [&](const DnsAnswer& a) {
    ++r.calls;
    r.answer = a;
  });
  EXPECT_TRUE(run_loop(10, [&] { return r.calls > 0; }));
  EXPECT_EQ(r.calls, 1);
  EXPECT_NE(r.answer.error, DnsError::kNone);
  EXPECT_TRUE(r.answer.names.empty());
  close(*resolver);
}

TEST_P(ResolverTest, InvalidServersFailCreate) {
  for (const char* bad : {"", "dns.example", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "[::1",
                          "[::1]x", "[127.0.0.1]:53", "1.2.3", "::1]:53"}) {
    ResolverOptions options;
    options.own_udp = GetParam();
    options.servers = {dnsmasq_->server(), bad};
    std::string error;
    EXPECT_FALSE(Resolver::create(&loop_, options, &error)) << bad;
    EXPECT_NE(error.find(std::string("'") + bad + "'"), std::string::npos) << error;
  }
  ResolverOptions zero;
  zero.servers = {dnsmasq_->server()};
  zero.timeout_s = 0;
  std::string error;
  EXPECT_FALSE(Resolver::create(&loop_, zero, &error));
  EXPECT_FALSE(error.empty());
  // Every accepted form (nothing is sent to these).
  auto resolver = make({"127.0.0.1", "127.0.0.1:53", "::1", "[::1]", "[::1]:5353"});
  ASSERT_TRUE(resolver);
  close(*resolver);
}

TEST_P(ResolverTest, RepliesThatDoNotMatchTheQueryAreIgnored) {
  DecoyServer& server = decoy_server();
  auto resolver = make({loop_ip_ + ":" + std::to_string(server.port())});
  ASSERT_TRUE(resolver);
  for (const char* name : {"decoy.test", "other.decoy.test"}) {
    Result r = lookup(*resolver, name);
    EXPECT_EQ(r.answer.error, DnsError::kNone) << name << ": " << r.answer.detail;
    EXPECT_EQ(texts(r.answer), std::vector<std::string>{"10.9.9.9"}) << name;
  }
  close(*resolver);
}

INSTANTIATE_TEST_SUITE_P(Paths, ResolverTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "OwnUdp" : "CaresOnly");
                         });

}  // namespace
}  // namespace tlsfleet::net
