// AresPoller: drives one c-ares channel from a libuv loop, as node's cares_wrap does.
// c-ares reports each socket it wants watched through ARES_OPT_SOCK_STATE_CB; the poller
// keeps one uv_poll per such socket and one uv_timer for c-ares' retransmissions and
// timeouts. It never calls ares_fds, select or ares_getsock, so neither the 1024-fd limit
// of select nor ares_getsock's 16 sockets apply.
#pragma once

#include <ares.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

namespace tlsfleet::net {

class AresPoller {
 public:
  // min_timeout_ms is the channel's per-try timeout: no query c-ares sends can time out
  // sooner than that after being sent, which lets schedule() skip most recomputations.
  AresPoller(uv_loop_t* loop, uint64_t min_timeout_ms);
  ~AresPoller();  // precondition: closed()
  AresPoller(const AresPoller&) = delete;
  AresPoller& operator=(const AresPoller&) = delete;

  // Adds the socket-state callback to options; call before ares_init_options.
  void configure(ares_options* options, int* optmask);
  // The channel made with those options. Set it (or null, before destroying the
  // channel) so the poller never touches a destroyed channel.
  void attach(ares_channel channel) { channel_ = channel; }
  // Arms the timer for the earliest c-ares timeout; call after starting queries.
  void schedule();

  // Closes every uv_poll and the timer. Detach and destroy the channel first: destroying
  // it reports its sockets closed, which this then closes too. on_closed (may be empty)
  // runs once, on the loop, after the last close callback; it may destroy the poller.
  // Idempotent.
  void close(std::function<void()> on_closed = {});
  // True once every handle's close callback has run.
  bool closed() const { return open_handles_ == 0; }

 private:
  // One watched c-ares socket. It lives in watchers_ while c-ares is interested in the
  // socket, then in closing_ until its close callback frees it.
  struct Watcher {
    uv_poll_t poll;
    AresPoller* owner;
    ares_socket_t fd;
    int events;
  };

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_poll(uv_poll_t* poll, int status, int events);
  static void on_timer(uv_timer_t* timer);
  static void on_watcher_closed(uv_handle_t* handle);
  static void on_timer_closed(uv_handle_t* handle);

  void watch(ares_socket_t fd, int events);
  void unwatch(ares_socket_t fd);
  void reschedule();
  void handle_closed();

  uv_loop_t* loop_;
  ares_channel channel_ = nullptr;
  uint64_t min_timeout_ms_;
  uv_timer_t timer_;
  std::unordered_map<ares_socket_t, std::unique_ptr<Watcher>> watchers_;
  std::unordered_map<Watcher*, std::unique_ptr<Watcher>> closing_;
  std::function<void()> on_closed_;
  int open_handles_ = 0;
  bool closing_started_ = false;
};

}  // namespace tlsfleet::net
