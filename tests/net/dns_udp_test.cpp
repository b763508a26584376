// DnsUdp on its own, against the servers of dns_test_servers.h: a real dnsmasq, a silent
// port, fixed-RCODE servers and a closed port. Nothing leaves 127.0.0.0/8.
#include "net/dns_udp.h"

#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/net/dns_test_servers.h"

namespace tlsfleet::net {
namespace {

using test::Clock;
using test::closed_udp_port;
using test::RcodeServer;
using test::SilentServer;
using test::socket_address;

struct UdpResult {
  int calls = 0;
  DnsUdp::Outcome outcome = DnsUdp::Outcome::kAskAgain;
  std::vector<std::string> addresses;
  Clock::time_point at;
};

class DnsUdpTest : public test::DnsServerTest {
 protected:
  std::unique_ptr<DnsUdp> open_udp(uint16_t port, uint64_t try_ms = 1000, size_t max_lookups = 64,
                                   bool segment = true) {
    auto udp = std::make_unique<DnsUdp>(
        &loop_, try_ms, max_lookups,
        [](void* cookie, DnsUdp::Outcome outcome, std::vector<IpAddress>& addresses) {
          auto* result = static_cast<UdpResult*>(cookie);
          ++result->calls;
          result->outcome = outcome;
          result->addresses.clear();
          for (const IpAddress& ip : addresses) result->addresses.push_back(ip.to_string());
          result->at = Clock::now();
        },
        segment);
    sockaddr_in sa = socket_address(loop_ip_, port);
    std::string error = udp->open(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    EXPECT_TRUE(error.empty()) << error;
    return udp;
  }
  uint16_t dnsmasq_port() const {
    std::string server = dnsmasq_->server();
    return static_cast<uint16_t>(std::stoi(server.substr(server.rfind(':') + 1)));
  }
  bool ask(DnsUdp& udp, const std::string& name, UdpResult* result, bool ipv6 = false) {
    bool taken = udp.ask(name, ipv6, result);
    EXPECT_EQ(result->calls, 0) << "done() ran inside ask(" << name << ")";
    return taken;
  }
  void close_udp(DnsUdp& udp) {
    bool closed = false;
    udp.close([&closed] { closed = true; });
    EXPECT_TRUE(run_loop(5, [&] { return closed; }));
    EXPECT_TRUE(udp.closed());
  }
};

TEST_F(DnsUdpTest, AnswersNxdomainAndNoDataFromARealServer) {
  auto udp = open_udp(dnsmasq_port());
  UdpResult one, nope, six, dual, upper;
  ASSERT_TRUE(ask(*udp, "one.test", &one));
  ASSERT_TRUE(ask(*udp, "nope.test", &nope));
  ASSERT_TRUE(ask(*udp, "six.test", &six));
  ASSERT_TRUE(ask(*udp, "dual.test", &dual, /*ipv6=*/true));
  ASSERT_TRUE(ask(*udp, "TWO.Test.", &upper));  // case and a final dot do not matter
  EXPECT_EQ(udp->in_flight(), 5u);
  EXPECT_TRUE(run_loop(5, [&] { return udp->in_flight() == 0; }));
  for (const UdpResult* r : {&one, &nope, &six, &dual, &upper}) EXPECT_EQ(r->calls, 1);
  EXPECT_EQ(one.outcome, DnsUdp::Outcome::kAddresses);
  EXPECT_EQ(one.addresses, std::vector<std::string>{"10.1.0.1"});
  EXPECT_EQ(nope.outcome, DnsUdp::Outcome::kNxdomain);
  EXPECT_EQ(six.outcome, DnsUdp::Outcome::kNoData);
  EXPECT_EQ(dual.outcome, DnsUdp::Outcome::kAddresses);
  EXPECT_EQ(dual.addresses, (std::vector<std::string>{"10.1.0.4", "fd00::4"}));
  std::sort(upper.addresses.begin(), upper.addresses.end());
  EXPECT_EQ(upper.addresses, (std::vector<std::string>{"10.1.0.2", "10.1.0.3"}));
  EXPECT_EQ(dnsmasq_->queries("AAAA", "dual.test"), 1);
  EXPECT_EQ(dnsmasq_->queries("AAAA", "one.test"), 0);
  close_udp(*udp);
}

// Runs of equal-length questions go out with UDP segmentation offload (a batch is sorted
// by length first): the server must still get one datagram per question, of the
// question's size, never two run together.
TEST_F(DnsUdpTest, EqualLengthQuestionsStillArriveOneDatagramEach) {
  SilentServer silent(loop_ip_);
  // 100 names of one length (27-byte questions) and 30 of another (28 bytes), interleaved,
  // and one of a third: a run longer than one send takes (64), a shorter one, a run of one.
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) {
    names.push_back("n" + std::to_string(100 + i) + ".test");
    if (i % 3 == 0 && i / 3 < 30) names.push_back("nn" + std::to_string(100 + i / 3) + ".test");
  }
  names.push_back("third-length.test");
  ASSERT_EQ(names.size(), 131u);
  for (bool segment : {true, false}) {
    SCOPED_TRACE(segment ? "segmented" : "one datagram per send");
    auto udp = open_udp(silent.port(), 1000, /*max_lookups=*/256, segment);
    EXPECT_EQ(udp->segmenting(), segment) << "this kernel has UDP_SEGMENT (Linux 4.18)";
    std::vector<UdpResult> results(names.size());
    for (size_t i = 0; i < names.size(); ++i) ASSERT_TRUE(ask(*udp, names[i], &results[i]));
    uv_run(&loop_, UV_RUN_NOWAIT);
    std::vector<size_t> sizes = silent.drain_sizes();
    std::sort(sizes.begin(), sizes.end());
    std::vector<size_t> expected(100, 27);
    expected.insert(expected.end(), 30, 28);
    expected.push_back(12 + 19 + 4);
    EXPECT_EQ(sizes, expected);
    close_udp(*udp);
  }
}

// The same through a real server: every one of many equal-length questions sent at once
// is answered.
TEST_F(DnsUdpTest, ARealServerAnswersEveryQuestionOfASegmentedSend) {
  auto udp = open_udp(dnsmasq_port(), 1000, /*max_lookups=*/256);
  ASSERT_TRUE(udp->segmenting());
  std::vector<UdpResult> results(200);
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(ask(*udp, "gone" + std::to_string(1000 + i) + ".test", &results[i]));
  }
  UdpResult one;
  ASSERT_TRUE(ask(*udp, "one.test", &one));
  EXPECT_TRUE(run_loop(5, [&] { return udp->in_flight() == 0; }));
  for (const UdpResult& r : results) {
    EXPECT_EQ(r.calls, 1);
    EXPECT_EQ(r.outcome, DnsUdp::Outcome::kNxdomain);
  }
  EXPECT_EQ(one.outcome, DnsUdp::Outcome::kAddresses);
  EXPECT_EQ(one.addresses, std::vector<std::string>{"10.1.0.1"});
  close_udp(*udp);
}

TEST_F(DnsUdpTest, DeclinesWhatIsNotPlainAndPastItsLimit) {
  SilentServer silent(loop_ip_);
  UdpResult r;
  {
    DnsUdp unopened(&loop_, 100, 4, [](void*, DnsUdp::Outcome, std::vector<IpAddress>&) {});
    EXPECT_FALSE(unopened.ask("one.test", false, &r));
    EXPECT_TRUE(unopened.closed());  // nothing was opened, so nothing to close
  }
  auto udp = open_udp(silent.port(), 1000, /*max_lookups=*/2);
  EXPECT_FALSE(ask(*udp, "localhost", &r));   // one label: c-ares' rules
  EXPECT_FALSE(ask(*udp, "a\\.b.test", &r));  // an escape: c-ares reads those
  EXPECT_FALSE(ask(*udp, std::string(64, 'a') + ".test", &r));
  EXPECT_FALSE(ask(*udp, "a..test", &r));
  UdpResult first, second, third;
  EXPECT_TRUE(ask(*udp, std::string(63, 'a') + ".test", &first));
  EXPECT_TRUE(ask(*udp, "second.test", &second));
  EXPECT_FALSE(ask(*udp, "third.test", &third));  // two out already
  EXPECT_EQ(udp->in_flight(), 2u);
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(silent.drain(), 2);
  close_udp(*udp);
  // Closing dropped both without calling back.
  EXPECT_EQ(first.calls + second.calls + third.calls + r.calls, 0);
}

TEST_F(DnsUdpTest, SilentServerGetsTwoTriesThenATimeout) {
  SilentServer silent(loop_ip_);
  auto udp = open_udp(silent.port(), /*try_ms=*/100);
  UdpResult r;
  auto start = Clock::now();
  ASSERT_TRUE(ask(*udp, "one.test", &r));
  EXPECT_TRUE(run_loop(5, [&] { return r.calls > 0; }));
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.outcome, DnsUdp::Outcome::kTimeout);
  // 100 ms for the first try, 200 for the second (the timers count whole milliseconds).
  EXPECT_GE(r.at - start, std::chrono::milliseconds(290));
  EXPECT_LE(r.at - start, std::chrono::milliseconds(400));
  EXPECT_EQ(silent.drain(), 2);
  close_udp(*udp);
}

TEST_F(DnsUdpTest, ServfailRefusedAndAClosedPortAreAskedAgainElsewhere) {
  for (int rcode : {2, 5}) {
    RcodeServer& server = rcode_server(rcode);
    auto udp = open_udp(server.port());
    UdpResult r;
    ASSERT_TRUE(ask(*udp, "one.test", &r));
    EXPECT_TRUE(run_loop(5, [&] { return r.calls > 0; }));
    EXPECT_EQ(r.outcome, DnsUdp::Outcome::kAskAgain) << rcode;
    EXPECT_EQ(server.queries(), 1) << rcode;
    UdpResult again;
    EXPECT_TRUE(ask(*udp, "two.test", &again));  // the path stays open
    close_udp(*udp);
  }
  auto udp = open_udp(closed_udp_port(loop_ip_), /*try_ms=*/2000);
  UdpResult a, b;
  auto start = Clock::now();
  ASSERT_TRUE(ask(*udp, "one.test", &a));
  ASSERT_TRUE(ask(*udp, "two.test", &b));
  EXPECT_TRUE(run_loop(5, [&] { return a.calls > 0 && b.calls > 0; }));
  EXPECT_EQ(a.outcome, DnsUdp::Outcome::kAskAgain);
  EXPECT_EQ(b.outcome, DnsUdp::Outcome::kAskAgain);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));  // not a try's 2 s
  UdpResult c;
  EXPECT_FALSE(ask(*udp, "three.test", &c));  // c-ares takes it from here
  close_udp(*udp);
}

}  // namespace
}  // namespace tlsfleet::net
