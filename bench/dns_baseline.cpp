// dns_baseline: the bare c-ares loop scripts/bench.sh sets beside dnsperf and tlsfleet's
// resolver. One thread; ares_getaddrinfo (A only, ARES_AI_NOSORT) on every name of a file,
// IN_FLIGHT lookups outstanding at once, DNS only (no /etc/hosts), a 4 MB receive buffer,
// sockets watched with poll() through ARES_OPT_SOCK_STATE_CB. Nothing else: the answers
// are counted, not kept. At the end it prints one JSON line with lookups/s and CPU
// (getrusage) per lookup.
//
//   dns_baseline -f NAMES -s SERVER[:PORT] [-c IN_FLIGHT] [-T TIMEOUT_S] [-m MAX_SECONDS]
//
// NAMES holds one name per line; SERVER is an IPv4 address (the benchmark's nsd).
#include <ares.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Loop {
  ares_channel channel = nullptr;
  std::vector<pollfd> fds;  // the sockets c-ares asked to watch
  std::vector<std::string> names;
  size_t next = 0;
  long in_flight = 0;
  long limit = 1000;
  long ok = 0, nxdomain = 0, timed_out = 0, other = 0;
  bool starting = false;
};

void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* loop = static_cast<Loop*>(data);
  auto it = std::find_if(loop->fds.begin(), loop->fds.end(),
                         [fd](const pollfd& p) { return p.fd == fd; });
  short events = static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
  if (events == 0) {
    if (it != loop->fds.end()) loop->fds.erase(it);
  } else if (it == loop->fds.end()) {
    loop->fds.push_back(pollfd{fd, events, 0});
  } else {
    it->events = events;
  }
}

void start_more(Loop* loop);

void on_answer(void* arg, int status, int, ares_addrinfo* info) {
  auto* loop = static_cast<Loop*>(arg);
  --loop->in_flight;
  switch (status) {
    case ARES_SUCCESS:
      ++loop->ok;
      break;
    case ARES_ENOTFOUND:
      ++loop->nxdomain;
      break;
    case ARES_ETIMEOUT:
      ++loop->timed_out;
      break;
    default:
      ++loop->other;
      break;
  }
  ares_freeaddrinfo(info);
  start_more(loop);
}

void start_more(Loop* loop) {
  // An answer given inside ares_getaddrinfo lands back here; the outer call carries on.
  if (loop->starting) return;
  loop->starting = true;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_INET;
  hints.ai_flags = ARES_AI_NOSORT;
  while (loop->in_flight < loop->limit && loop->next < loop->names.size()) {
    ++loop->in_flight;
    ares_getaddrinfo(loop->channel, loop->names[loop->next++].c_str(), nullptr, &hints, &on_answer,
                     loop);
  }
  loop->starting = false;
}

double cpu_seconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string names_file, server;
  long in_flight = 1000;
  double timeout_s = 2, max_seconds = 120;
  for (int c; (c = getopt(argc, argv, "f:s:c:T:m:")) != -1;) {
    switch (c) {
      case 'f':
        names_file = optarg;
        break;
      case 's':
        server = optarg;
        break;
      case 'c':
        in_flight = std::atol(optarg);
        break;
      case 'T':
        timeout_s = std::atof(optarg);
        break;
      case 'm':
        max_seconds = std::atof(optarg);
        break;
      default:
        return 2;
    }
  }
  if (names_file.empty() || server.empty() || in_flight < 1 || timeout_s <= 0) {
    std::fprintf(stderr, "usage: dns_baseline -f NAMES -s SERVER[:PORT] [-c IN_FLIGHT] [-T S]\n");
    return 2;
  }
  Loop loop;
  loop.limit = in_flight;
  {
    std::ifstream in(names_file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) loop.names.push_back(line);
    }
  }
  ares_library_init(ARES_LIB_INIT_ALL);
  ares_options opts{};
  int mask = 0;
  opts.timeout = static_cast<int>(timeout_s * 1000 / 3);  // two tries: 1/3 then 2/3
  opts.tries = 2;
  opts.socket_receive_buffer_size = 4 << 20;
  char lookups[] = "b";
  opts.lookups = lookups;
  opts.sock_state_cb = &on_sock_state;
  opts.sock_state_cb_data = &loop;
  mask |= ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_RCVBUF | ARES_OPT_LOOKUPS |
          ARES_OPT_SOCK_STATE_CB;
  if (ares_init_options(&loop.channel, &opts, mask) != ARES_SUCCESS ||
      ares_set_servers_ports_csv(loop.channel, server.c_str()) != ARES_SUCCESS) {
    std::fprintf(stderr, "dns_baseline: cannot set up c-ares with server %s\n", server.c_str());
    return 1;
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  auto start = Clock::now();
  auto give_up = start + std::chrono::duration<double>(max_seconds);
  start_more(&loop);
  while (loop.in_flight > 0 && Clock::now() < give_up) {
    timeval tv{};
    timeval* wait = ares_timeout(loop.channel, nullptr, &tv);
    int ms = wait ? static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000) : 100;
    std::vector<pollfd> fds = loop.fds;  // c-ares may change the set while processing
    int n = poll(fds.data(), fds.size(), ms);
    if (n <= 0) {
      ares_process_fd(loop.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      continue;
    }
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      bool error = (p.revents & (POLLERR | POLLHUP)) != 0;
      ares_process_fd(loop.channel, (error || (p.revents & POLLIN)) ? p.fd : ARES_SOCKET_BAD,
                      (error || (p.revents & POLLOUT)) ? p.fd : ARES_SOCKET_BAD);
    }
  }
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  long done = loop.ok + loop.nxdomain + loop.timed_out + loop.other;
  double cpu = cpu_seconds(after) - cpu_seconds(before);
  std::printf(
      "{\"lookups\":%ld,\"ok\":%ld,\"nxdomain\":%ld,\"timed_out\":%ld,\"other\":%ld,"
      "\"unfinished\":%ld,\"wall_s\":%.3f,\"lookups_per_s\":%.1f,\"cpu_s\":%.3f,"
      "\"cpu_us_per_lookup\":%.3f,\"max_rss_kib\":%ld}\n",
      done, loop.ok, loop.nxdomain, loop.timed_out, loop.other, loop.in_flight, wall,
      done / std::max(wall, 1e-9), cpu, cpu * 1e6 / std::max(done, 1L), after.ru_maxrss);
  ares_destroy(loop.channel);
  ares_library_cleanup();
  return loop.in_flight == 0 ? 0 : 1;
}
