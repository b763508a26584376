// baseline_client: the bare-OpenSSL yardstick scripts/bench.sh holds tlsfleet against.
// One thread, one epoll loop, non-blocking sockets, N connections in flight; each does a
// full TLS handshake with SNI and the verification tlsfleet does (chain against a CA file,
// purpose TLS server, host name), sends close_notify and closes. Nothing else: no record,
// no analysis beyond the verify result. At the end it prints one JSON line with
// handshakes/s and CPU (getrusage) per handshake.
//
//   baseline_client -t TARGETS -n NAME -a CA.pem [-c IN_FLIGHT] [-k COUNT] [-s K/N]
//                   [-T TIMEOUT_S] [-m MAX_SECONDS]
//
// TARGETS holds one IPv4 ip:port per line. COUNT handshakes are made, walking the targets
// round robin (default: one per target); -s K/N keeps every N-th target from the K-th, so N
// processes share one list.
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "tls/ossl_ptr.h"

namespace {

using Clock = std::chrono::steady_clock;
using tlsfleet::tls::SslCtxPtr;
using tlsfleet::tls::SslPtr;

struct Options {
  std::string targets_file;
  std::string sni;
  std::string ca_file;
  int in_flight = 64;
  long count = -1;  // -1: one per target
  int slice = 0, slices = 1;
  double timeout_s = 5;
  double max_seconds = 120;
};

struct Counters {
  long started = 0;
  long ok = 0;
  long connect_failed = 0;
  long handshake_failed = 0;
  long verify_failed = 0;
  long timed_out = 0;
};

// One connection: a socket, its SSL object, its deadline. Closes both on destruction.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { reset(); }

  void reset() {
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool active() const { return fd_ >= 0; }

  int fd_ = -1;
  SslPtr ssl_;
  bool connected_ = false;
  Clock::time_point deadline_;
};

// The context a careful client would build: TLS 1.2-1.3, the ALPN list and OCSP status
// request tlsfleet offers, no tickets, peer verification against the CA file.
SslCtxPtr make_context(const Options& o) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return nullptr;
  static const unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_tlsext_status_type(ctx.get(), TLSEXT_STATUSTYPE_ocsp);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_file(ctx.get(), o.ca_file.c_str()) != 1) return nullptr;
  return ctx;
}

class Client {
 public:
  Client(const Options& o, SSL_CTX* ctx, std::vector<sockaddr_in> targets)
      : options_(o), ctx_(ctx), targets_(std::move(targets)), slots_(o.in_flight) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    total_ = options_.count >= 0 ? options_.count : static_cast<long>(targets_.size());
  }
  ~Client() {
    slots_.clear();
    if (epoll_ >= 0) ::close(epoll_);
  }

  // Runs until COUNT handshakes finished or max_seconds passed.
  void run() {
    const Clock::time_point give_up =
        Clock::now() + std::chrono::milliseconds(static_cast<long>(options_.max_seconds * 1000));
    for (size_t i = 0; i < slots_.size(); ++i) start(i);
    std::vector<epoll_event> events(slots_.size());
    while (active_ > 0 && Clock::now() < give_up) {
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) drive(events[i].data.u64);
      expire();
    }
  }

  const Counters& counters() const { return counters_; }

 private:
  void start(size_t slot) {
    while (counters_.started < total_) {
      const sockaddr_in& addr = targets_[counters_.started % targets_.size()];
      ++counters_.started;
      Connection& c = slots_[slot];
      c.fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd_ < 0) {
        ++counters_.connect_failed;
        continue;
      }
      int one = 1;
      setsockopt(c.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int rc = connect(c.fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
      if (rc != 0 && errno != EINPROGRESS) {
        ++counters_.connect_failed;
        c.reset();
        continue;
      }
      c.connected_ = false;
      c.deadline_ =
          Clock::now() + std::chrono::milliseconds(static_cast<long>(options_.timeout_s * 1000));
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.u64 = slot;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd_, &ev);
      ++active_;
      return;
    }
  }

  void finish(size_t slot) {
    Connection& c = slots_[slot];
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd_, nullptr);
    c.reset();
    --active_;
    start(slot);
  }

  void wait_for(size_t slot, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = slot;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, slots_[slot].fd_, &ev);
  }

  void drive(size_t slot) {
    Connection& c = slots_[slot];
    if (!c.active()) return;
    if (!c.connected_) {
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) {
        ++counters_.connect_failed;
        finish(slot);
        return;
      }
      c.connected_ = true;
      c.ssl_.reset(SSL_new(ctx_));
      SSL_set_fd(c.ssl_.get(), c.fd_);
      SSL_set_tlsext_host_name(c.ssl_.get(), options_.sni.c_str());
      SSL_set1_host(c.ssl_.get(), options_.sni.c_str());
      SSL_set_connect_state(c.ssl_.get());
    }
    ERR_clear_error();
    int rc = SSL_do_handshake(c.ssl_.get());
    if (rc == 1) {
      if (SSL_get_verify_result(c.ssl_.get()) == X509_V_OK) {
        ++counters_.ok;
      } else {
        ++counters_.verify_failed;
      }
      SSL_shutdown(c.ssl_.get());  // close_notify, as tlsfleet sends
      finish(slot);
      return;
    }
    switch (SSL_get_error(c.ssl_.get(), rc)) {
      case SSL_ERROR_WANT_READ:
        wait_for(slot, EPOLLIN);
        return;
      case SSL_ERROR_WANT_WRITE:
        wait_for(slot, EPOLLOUT);
        return;
      default:
        // With SSL_VERIFY_PEER a failed verification aborts the handshake.
        if (SSL_get_verify_result(c.ssl_.get()) != X509_V_OK) {
          ++counters_.verify_failed;
        } else {
          ++counters_.handshake_failed;
        }
        ERR_clear_error();
        finish(slot);
        return;
    }
  }

  void expire() {
    const Clock::time_point now = Clock::now();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].active() && now >= slots_[i].deadline_) {
        ++counters_.timed_out;
        finish(i);
      }
    }
  }

  const Options& options_;
  SSL_CTX* ctx_;
  std::vector<sockaddr_in> targets_;
  std::vector<Connection> slots_;
  int epoll_ = -1;
  long total_ = 0;
  long active_ = 0;
  Counters counters_;
};

bool parse_slice(const char* text, int* k, int* n) {
  return std::sscanf(text, "%d/%d", k, n) == 2 && *n > 0 && *k >= 0 && *k < *n;
}

std::vector<sockaddr_in> read_targets(const Options& o, std::string* error) {
  std::ifstream in(o.targets_file);
  if (!in) {
    *error = "cannot open " + o.targets_file;
    return {};
  }
  std::vector<sockaddr_in> targets;
  std::string line;
  long index = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (index++ % o.slices != o.slice) continue;
    size_t colon = line.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    int port = colon == std::string::npos ? 443 : std::atoi(line.c_str() + colon + 1);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, line.substr(0, colon).c_str(), &addr.sin_addr) != 1 || port <= 0 ||
        port > 65535) {
      *error = "not an IPv4 ip:port: " + line;
      return {};
    }
    targets.push_back(addr);
  }
  if (targets.empty()) *error = "no target in " + o.targets_file;
  return targets;
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

int usage() {
  std::fprintf(stderr,
               "usage: baseline_client -t TARGETS -n NAME -a CA.pem [-c IN_FLIGHT] [-k COUNT] "
               "[-s K/N] [-T TIMEOUT_S] [-m MAX_SECONDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int opt;
  while ((opt = getopt(argc, argv, "t:n:a:c:k:s:T:m:")) != -1) {
    switch (opt) {
      case 't':
        o.targets_file = optarg;
        break;
      case 'n':
        o.sni = optarg;
        break;
      case 'a':
        o.ca_file = optarg;
        break;
      case 'c':
        o.in_flight = std::atoi(optarg);
        break;
      case 'k':
        o.count = std::atol(optarg);
        break;
      case 's':
        if (!parse_slice(optarg, &o.slice, &o.slices)) return usage();
        break;
      case 'T':
        o.timeout_s = std::atof(optarg);
        break;
      case 'm':
        o.max_seconds = std::atof(optarg);
        break;
      default:
        return usage();
    }
  }
  if (o.targets_file.empty() || o.sni.empty() || o.ca_file.empty() || o.in_flight < 1 ||
      o.timeout_s <= 0 || o.max_seconds <= 0) {
    return usage();
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::string error;
  std::vector<sockaddr_in> targets = read_targets(o, &error);
  if (targets.empty()) {
    std::fprintf(stderr, "baseline_client: %s\n", error.c_str());
    return 2;
  }
  SslCtxPtr ctx = make_context(o);
  if (!ctx) {
    std::fprintf(stderr, "baseline_client: cannot build the TLS context (CA file %s)\n",
                 o.ca_file.c_str());
    return 2;
  }

  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const Clock::time_point t0 = Clock::now();
  Client client(o, ctx.get(), std::move(targets));
  client.run();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  getrusage(RUSAGE_SELF, &after);

  const Counters& c = client.counters();
  const double user = seconds(after.ru_utime) - seconds(before.ru_utime);
  const double sys = seconds(after.ru_stime) - seconds(before.ru_stime);
  const long finished = c.ok + c.verify_failed;
  std::printf(
      "{\"handshakes\":%ld,\"verify_failed\":%ld,\"handshake_failed\":%ld,\"connect_failed\":%ld,"
      "\"timed_out\":%ld,\"wall_s\":%.3f,\"handshakes_per_s\":%.1f,\"cpu_user_s\":%.3f,"
      "\"cpu_sys_s\":%.3f,\"cpu_ms_per_handshake\":%.4f,\"max_rss_kib\":%ld}\n",
      c.ok, c.verify_failed, c.handshake_failed, c.connect_failed, c.timed_out, wall,
      wall > 0 ? c.ok / wall : 0.0, user, sys, finished > 0 ? (user + sys) * 1000 / finished : 0.0,
      after.ru_maxrss);
  return c.ok > 0 && c.ok == c.started ? 0 : 1;
}
