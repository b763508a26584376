// Resolver tests against a real dnsmasq that each test starts on its own loopback address
// (127.53.X.Y, derived from the pid, so parallel test processes never collide) and stops.
// Every resolver is pointed at a local server; nothing leaves 127.0.0.0/8.
#include "net/resolver.h"

#include <ares_version.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "net/dns_udp.h"

namespace tlsfleet::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBulkNames = 1000;

// c-ares 1.18 moves on to the next server after a REFUSED or SERVFAIL answer and, once
// none is left, ends the query with ARES_ECONNREFUSED: the resolver can only say that
// the servers failed. Later c-ares versions report ARES_EREFUSED.
#if ARES_VERSION < 0x011300
constexpr DnsError kRefusedAs = DnsError::kServfail;
#else
constexpr DnsError kRefusedAs = DnsError::kRefused;
#endif

std::string bulk_name(int i) { return "n" + std::to_string(i) + ".test"; }
std::string bulk_address(int i) {
  return "10.2." + std::to_string(i / 256) + "." + std::to_string(i % 256);
}

// 127.53.X.Y from the pid, never .0 or .255 in the last octet.
std::string loopback_address() {
  int pid = static_cast<int>(getpid());
  return "127.53." + std::to_string((pid / 254) % 256) + "." + std::to_string(1 + pid % 254);
}

sockaddr_in socket_address(const std::string& ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
  return sa;
}

// A bound UDP socket that never answers: queries sent to it just wait in its buffer.
class SilentServer {
 public:
  explicit SilentServer(const std::string& ip) : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in sa = socket_address(ip, 0);
    bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  uint16_t port() const { return port_; }
  // Datagrams received so far (drains them).
  int drain() {
    char buf[1500];
    int count = 0;
    while (recv(fd_, buf, sizeof buf, MSG_DONTWAIT) >= 0) ++count;
    return count;
  }

 private:
  int fd_;
  uint16_t port_ = 0;
};

// A UDP port on which nothing listens: bound once to learn a free port, then closed.
uint16_t closed_udp_port(const std::string& ip) {
  SilentServer probe(ip);
  return probe.port();
}

// A one-question DNS query for name, type A.
std::string dns_query(const std::string& name) {
  std::string q("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
  std::stringstream labels(name);
  std::string label;
  while (std::getline(labels, label, '.')) q += static_cast<char>(label.size()) + label;
  q += std::string("\x00\x00\x01\x00\x01", 5);
  return q;
}

// A UDP server on the test's loop, bound to a free port of ip, that hands every datagram
// to answer(); the owner runs the loop after close(), before this object goes.
class LoopUdpServer {
 public:
  LoopUdpServer(uv_loop_t* loop, const std::string& ip) {
    uv_udp_init(loop, &udp_);
    udp_.data = this;
    sockaddr_in sa = socket_address(ip, 0);
    uv_udp_bind(&udp_, reinterpret_cast<sockaddr*>(&sa), 0);
    int len = sizeof sa;
    uv_udp_getsockname(&udp_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    uv_udp_recv_start(&udp_, &LoopUdpServer::on_alloc, &LoopUdpServer::on_recv);
  }
  virtual ~LoopUdpServer() = default;
  uint16_t port() const { return port_; }
  int queries() const { return queries_; }
  void close() { uv_close(reinterpret_cast<uv_handle_t*>(&udp_), nullptr); }

 protected:
  // A datagram of at least a DNS header; may be changed and sent back.
  virtual void answer(char* data, size_t size, const sockaddr* from) = 0;
  void send_to(const char* data, size_t size, const sockaddr* to) {
    uv_buf_t out = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(size));
    uv_udp_try_send(&udp_, &out, 1, to);
  }

 private:
  static void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<LoopUdpServer*>(handle->data);
    *buf = uv_buf_init(self->buffer_, sizeof self->buffer_);
  }
  static void on_recv(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                      unsigned) {
    auto* self = static_cast<LoopUdpServer*>(udp->data);
    if (nread < 12 || from == nullptr) return;
    ++self->queries_;
    self->answer(buf->base, static_cast<size_t>(nread), from);
  }

  uv_udp_t udp_;
  int queries_ = 0;
  uint16_t port_ = 0;
  char buffer_[1500];
};

// Answers every query with one fixed RCODE (2 SERVFAIL, 5 REFUSED), the answers dnsmasq
// cannot be made to give on demand; it ignores names whose first label is "silent", so
// those lookups stay in flight.
class RcodeServer : public LoopUdpServer {
 public:
  RcodeServer(uv_loop_t* loop, const std::string& ip, int rcode)
      : LoopUdpServer(loop, ip), rcode_(rcode) {}

 private:
  void answer(char* data, size_t size, const sockaddr* from) override {
    if (size > 19 && std::memcmp(data + 12, "\x06silent", 7) == 0) return;
    data[2] = static_cast<char>(data[2] | 0x80);  // QR: a response
    data[3] = static_cast<char>((data[3] & 0xf0) | rcode_);
    send_to(data, size, from);
  }

  int rcode_;
};

// Answers every A query three times: first with another ID (address 10.6.6.6), then with
// the query's ID but another name in the question (10.7.7.7), then properly (10.9.9.9).
// Only the last is a reply to the query; the first two are what an off-path attacker who
// guessed wrong, or a confused server, would send.
class DecoyServer : public LoopUdpServer {
 public:
  using LoopUdpServer::LoopUdpServer;

 private:
  // The reply to query (a question of qlen bytes after the header) with the A record ip.
  static std::string reply(const std::string& query, size_t qlen, const char ip[4]) {
    std::string r = query.substr(0, 12 + qlen);
    r[2] = static_cast<char>(r[2] | 0x80);  // QR
    r[3] = static_cast<char>(0x80);         // RA, NOERROR
    r[7] = 1;                               // one answer
    r += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04", 12);
    r.append(ip, 4);
    return r;
  }
  void answer(char* data, size_t size, const sockaddr* from) override {
    if (size < 17 || data[size - 3] != 1) return;  // A queries only
    std::string query(data, size);
    size_t qlen = size - 12;
    std::string wrong_id = reply(query, qlen, "\x0a\x06\x06\x06");
    wrong_id[0] = static_cast<char>(wrong_id[0] ^ 0x55);
    std::string wrong_name = reply(query, qlen, "\x0a\x07\x07\x07");
    wrong_name[13] = wrong_name[13] == 'x' ? 'y' : 'x';  // the first label's first letter
    for (const std::string& r : {wrong_id, wrong_name, reply(query, qlen, "\x0a\x09\x09\x09")}) {
      send_to(r.data(), r.size(), from);
    }
  }
};

// dnsmasq in the foreground, answering .test names from a hosts file; everything else
// under .test is NXDOMAIN and every other name is REFUSED (no upstream servers).
class Dnsmasq {
 public:
  Dnsmasq(std::string ip, uint16_t port) : ip_(std::move(ip)), port_(port) {}
  ~Dnsmasq() { stop(); }

  // Returns an empty string when dnsmasq answers queries, else why not.
  std::string start() {
    char dir_template[] = "/tmp/resolver_test.XXXXXX";
    if (mkdtemp(dir_template) == nullptr) return "mkdtemp failed";
    dir_ = dir_template;
    // Readable by all, in case dnsmasq drops to an unprivileged user.
    std::filesystem::permissions(
        dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                  std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                  std::filesystem::perms::others_exec);
    {
      std::ofstream hosts(dir_ + "/hosts");
      hosts << "10.1.0.1 one.test\n"
               "10.1.0.2 two.test\n10.1.0.3 two.test\n"
               "10.1.0.4 dual.test\nfd00::4 dual.test\n"
               "fd00::5 six.test\n";
      for (int i = 0; i < kBulkNames; ++i) hosts << bulk_address(i) << ' ' << bulk_name(i) << '\n';
    }
    std::vector<std::string> args = {"/usr/sbin/dnsmasq",
                                     "--keep-in-foreground",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--conf-file=/dev/null",
                                     "--pid-file=",
                                     "--bind-interfaces",
                                     "--listen-address=" + ip_,
                                     "--port=" + std::to_string(port_),
                                     "--local=/test/",
                                     "--addn-hosts=" + dir_ + "/hosts",
                                     "--log-queries",
                                     "--log-facility=" + dir_ + "/log"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::string err_path = dir_ + "/stderr";
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) supervise(parent, argv.data(), err_path.c_str());
    return wait_until_answering();
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

  // How many queries of that type for that name dnsmasq logged.
  int queries(const std::string& type, const std::string& name) const {
    std::ifstream log(dir_ + "/log");
    std::string needle = "query[" + type + "] " + name + " ";
    int count = 0;
    for (std::string line; std::getline(log, line);)
      count += line.find(needle) != std::string::npos;
    return count;
  }

  std::string server() const { return ip_ + ":" + std::to_string(port_); }
  const std::string& ip() const { return ip_; }

 private:
  // The forked child. A test process that crashes must not leave its dnsmasq behind, and
  // dnsmasq clears the parent-death signal as it sets up its credentials; so this process
  // stays between the two: it dies with the test, passing SIGTERM on to dnsmasq, and
  // exits with dnsmasq's status. Only async-signal-safe calls from here on.
  [[noreturn]] static void supervise(pid_t parent, char** argv, const char* err_path) {
    struct sigaction action {};
    action.sa_handler = [](int) {
      terminating = 1;
      if (child > 0) kill(child, SIGTERM);
    };
    sigaction(SIGTERM, &action, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    child = fork();
    if (child == 0) {
      int out = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(out, 2);
      execv(argv[0], argv);  // resets the SIGTERM handler
      _exit(127);
    }
    if (child < 0) _exit(126);
    if (terminating) kill(child, SIGTERM);  // SIGTERM came before child was set
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  static inline volatile sig_atomic_t terminating = 0;
  static inline volatile pid_t child = -1;

  std::string wait_until_answering() {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa = socket_address(ip_, port_);
    std::string query = dns_query("ready.test");
    std::string why = "dnsmasq did not answer within 5 s";
    for (auto start = Clock::now(); Clock::now() - start < std::chrono::seconds(5);) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        std::ifstream err(dir_ + "/stderr");
        why = "dnsmasq exited: " + std::string(std::istreambuf_iterator<char>(err), {});
        break;
      }
      sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
      pollfd pfd{fd, POLLIN, 0};
      char buf[512];
      if (poll(&pfd, 1, 50) == 1 && recv(fd, buf, sizeof buf, 0) >= 12) {
        why.clear();
        break;
      }
    }
    ::close(fd);
    return why;
  }

  std::string ip_;
  uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

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
class ResolverTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    static int sequence = 0;
    uint16_t port = static_cast<uint16_t>(5300 + (getpid() / 65536 + sequence++) % 100);
    dnsmasq_ = std::make_unique<Dnsmasq>(loop_ip_, port);
    std::string why = dnsmasq_->start();
    ASSERT_TRUE(why.empty()) << why;
  }

  void TearDown() override {
    dnsmasq_.reset();
    for (auto& server : rcode_servers_) server->close();
    for (auto& server : decoy_servers_) server->close();
    // Whatever a failed test left open closes here, so the loop check below is about
    // the resolver, not about the test's early return.
    run_loop(5);
    // Every handle the resolver opened was closed and its close callback ran.
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

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

  // Runs the loop until done() holds or nothing is left to do; false if that took longer
  // than limit_s.
  bool run_loop(double limit_s, std::function<bool()> done = {}) {
    struct Guard {
      std::function<bool()> done;
      bool expired = false;
    } guard{std::move(done)};
    // Neither handle keeps the loop alive; the prepare handle checks done() before the
    // loop would block, and stopping there makes the poll phase return at once.
    uv_prepare_t check;
    uv_prepare_init(&loop_, &check);
    check.data = &guard;
    uv_prepare_start(&check, [](uv_prepare_t* p) {
      auto* g = static_cast<Guard*>(p->data);
      if (g->done && g->done()) uv_stop(p->loop);
    });
    uv_unref(reinterpret_cast<uv_handle_t*>(&check));
    uv_timer_t watchdog;
    uv_timer_init(&loop_, &watchdog);
    watchdog.data = &guard;
    uv_timer_start(
        &watchdog,
        [](uv_timer_t* t) {
          static_cast<Guard*>(t->data)->expired = true;
          uv_stop(t->loop);
        },
        static_cast<uint64_t>(limit_s * 1000), 0);
    uv_unref(reinterpret_cast<uv_handle_t*>(&watchdog));
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&check), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);  // runs both close callbacks
    return !guard.expired;
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

  // A server on the loop answering with rcode; closed in TearDown.
  RcodeServer& rcode_server(int rcode) {
    rcode_servers_.push_back(std::make_unique<RcodeServer>(&loop_, loop_ip_, rcode));
    return *rcode_servers_.back();
  }
  DecoyServer& decoy_server() {
    decoy_servers_.push_back(std::make_unique<DecoyServer>(&loop_, loop_ip_));
    return *decoy_servers_.back();
  }

  uv_loop_t loop_;
  std::string loop_ip_ = loopback_address();
  std::unique_ptr<Dnsmasq> dnsmasq_;
  std::vector<std::unique_ptr<RcodeServer>> rcode_servers_;  // freed after the loop closed
  std::vector<std::unique_ptr<DecoyServer>> decoy_servers_;
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

// DnsUdp on its own, against the same servers.
struct UdpResult {
  int calls = 0;
  DnsUdp::Outcome outcome = DnsUdp::Outcome::kAskAgain;
  std::vector<std::string> addresses;
  Clock::time_point at;
};

class DnsUdpTest : public ResolverTest {
 protected:
  std::unique_ptr<DnsUdp> open_udp(uint16_t port, uint64_t try_ms = 1000, size_t max_lookups = 64) {
    auto udp = std::make_unique<DnsUdp>(
        &loop_, try_ms, max_lookups,
        [](void* cookie, DnsUdp::Outcome outcome, std::vector<IpAddress>& addresses) {
          auto* result = static_cast<UdpResult*>(cookie);
          ++result->calls;
          result->outcome = outcome;
          result->addresses.clear();
          for (const IpAddress& ip : addresses) result->addresses.push_back(ip.to_string());
          result->at = Clock::now();
        });
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

TEST_P(DnsUdpTest, AnswersNxdomainAndNoDataFromARealServer) {
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

TEST_P(DnsUdpTest, DeclinesWhatIsNotPlainAndPastItsLimit) {
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

TEST_P(DnsUdpTest, SilentServerGetsTwoTriesThenATimeout) {
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

TEST_P(DnsUdpTest, ServfailRefusedAndAClosedPortAreAskedAgainElsewhere) {
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

INSTANTIATE_TEST_SUITE_P(OwnUdp, DnsUdpTest, ::testing::Values(true));

}  // namespace
}  // namespace tlsfleet::net
