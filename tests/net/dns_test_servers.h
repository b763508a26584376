// Test servers for the DNS tests (resolver_test.cpp, dns_udp_test.cpp): a real dnsmasq
// that each test starts on its own loopback address (127.53.X.Y, derived from the pid, so
// parallel test processes never collide), servers on the test's loop for the answers
// dnsmasq cannot be made to give, and the fixture that runs them. Nothing leaves
// 127.0.0.0/8.
#pragma once

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
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace tlsfleet::net::test {

using Clock = std::chrono::steady_clock;

// The bulk names dnsmasq holds: n0.test ... n999.test, each with one address.
constexpr int kBulkNames = 1000;
inline std::string bulk_name(int i) { return "n" + std::to_string(i) + ".test"; }
inline std::string bulk_address(int i) {
  return "10.2." + std::to_string(i / 256) + "." + std::to_string(i % 256);
}

// 127.53.X.Y from the pid, never .0 or .255 in the last octet.
inline std::string loopback_address() {
  int pid = static_cast<int>(getpid());
  return "127.53." + std::to_string((pid / 254) % 256) + "." + std::to_string(1 + pid % 254);
}

inline sockaddr_in socket_address(const std::string& ip, uint16_t port) {
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
  int drain() { return static_cast<int>(drain_sizes().size()); }
  // The sizes of the datagrams received so far, in order (drains them).
  std::vector<size_t> drain_sizes() {
    char buf[65536];
    std::vector<size_t> sizes;
    ssize_t n;
    while ((n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT)) >= 0) {
      sizes.push_back(static_cast<size_t>(n));
    }
    return sizes;
  }

 private:
  int fd_;
  uint16_t port_ = 0;
};

// A UDP port on which nothing listens: bound once to learn a free port, then closed.
inline uint16_t closed_udp_port(const std::string& ip) {
  SilentServer probe(ip);
  return probe.port();
}

// A one-question DNS query for name, type A.
inline std::string dns_query(const std::string& name) {
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

// The loop, a dnsmasq on the test's own loopback address and the misbehaving servers,
// started for each test and stopped after it; TearDown checks that every handle closed.
class DnsServerTest : public ::testing::Test {
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
    // the code under test, not about the test's early return.
    run_loop(5);
    // Every handle the code under test opened was closed and its close callback ran.
    EXPECT_EQ(uv_loop_close(&loop_), 0);
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

}  // namespace tlsfleet::net::test
