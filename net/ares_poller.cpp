#include "net/ares_poller.h"

namespace tlsfleet::net {

AresPoller::AresPoller(uv_loop_t* loop, uint64_t min_timeout_ms)
    : loop_(loop), min_timeout_ms_(min_timeout_ms) {
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  open_handles_ = 1;
}

AresPoller::~AresPoller() = default;

void AresPoller::configure(ares_options* options, int* optmask) {
  options->sock_state_cb = &AresPoller::on_sock_state;
  options->sock_state_cb_data = this;
  *optmask |= ARES_OPT_SOCK_STATE_CB;
}

void AresPoller::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<AresPoller*>(data);
  int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
  if (events != 0) {
    self->watch(fd, events);
  } else {
    self->unwatch(fd);
  }
}

void AresPoller::watch(ares_socket_t fd, int events) {
  if (closing_started_) return;
  auto it = watchers_.find(fd);
  if (it == watchers_.end()) {
    auto watcher = std::make_unique<Watcher>();
    watcher->owner = this;
    watcher->fd = fd;
    // If the kernel refuses to watch the socket, c-ares still times its queries out:
    // lookups are lost, nothing is corrupted.
    if (uv_poll_init_socket(loop_, &watcher->poll, fd) != 0) return;
    watcher->poll.data = watcher.get();
    ++open_handles_;
    it = watchers_.emplace(fd, std::move(watcher)).first;
  }
  Watcher* watcher = it->second.get();
  watcher->events = events;
  uv_poll_start(&watcher->poll, events, &AresPoller::on_poll);
}

void AresPoller::unwatch(ares_socket_t fd) {
  auto it = watchers_.find(fd);
  if (it == watchers_.end()) return;
  // c-ares closes the socket as soon as this returns, and may reuse its number for a new
  // socket before the close callback runs; so the closing watcher leaves watchers_ now.
  std::unique_ptr<Watcher> watcher = std::move(it->second);
  watchers_.erase(it);
  Watcher* raw = watcher.get();
  closing_.emplace(raw, std::move(watcher));
  uv_poll_stop(&raw->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&raw->poll), &AresPoller::on_watcher_closed);
}

void AresPoller::on_poll(uv_poll_t* poll, int status, int events) {
  auto* watcher = static_cast<Watcher*>(poll->data);
  AresPoller* self = watcher->owner;
  if (self->channel_ == nullptr) return;
  ares_socket_t fd = watcher->fd;
  if (status < 0) {
    // An error on the socket: pretend it is readable and writable so c-ares reads the
    // error and decides (retry elsewhere, or fail the query).
    ares_process_fd(self->channel_, fd, fd);
    // libuv stops a poll that reported an error; if c-ares kept the socket, keep
    // watching it, or its queries would only ever end by timing out.
    auto it = self->watchers_.find(fd);
    if (it != self->watchers_.end() && it->second.get() == watcher) {
      uv_poll_start(&watcher->poll, watcher->events, &AresPoller::on_poll);
    }
  } else {
    ares_process_fd(self->channel_, (events & UV_READABLE) ? fd : ARES_SOCKET_BAD,
                    (events & UV_WRITABLE) ? fd : ARES_SOCKET_BAD);
  }
  self->schedule();
}

void AresPoller::schedule() {
  if (channel_ == nullptr || closing_started_) return;
  // Every query c-ares (re)sends times out at least min_timeout_ms_ from now, so a timer
  // due sooner than that still fires first; ares_timeout walks every query, so skipping
  // it here keeps thousands of lookups in flight from costing quadratic time.
  // With no socket left, c-ares (which closes its sockets when the last query ends) most
  // likely has nothing left to time out: asking costs O(1) then, and lets the timer stop
  // instead of keeping the loop alive.
  if (!watchers_.empty() && uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_)) &&
      uv_timer_get_due_in(&timer_) <= min_timeout_ms_) {
    return;
  }
  reschedule();
}

void AresPoller::reschedule() {
  timeval tv{};
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
    uv_timer_stop(&timer_);  // no query in flight
    return;
  }
  // Round up: waking a millisecond early would find nothing expired and spin.
  uint64_t ms = static_cast<uint64_t>(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
  uv_timer_start(&timer_, &AresPoller::on_timer, ms, 0);
}

void AresPoller::on_timer(uv_timer_t* timer) {
  auto* self = static_cast<AresPoller*>(timer->data);
  if (self->channel_ == nullptr) return;
  ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  if (self->channel_ != nullptr) self->reschedule();
}

void AresPoller::close(std::function<void()> on_closed) {
  if (closing_started_) return;
  closing_started_ = true;
  on_closed_ = std::move(on_closed);
  channel_ = nullptr;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &AresPoller::on_timer_closed);
  while (!watchers_.empty()) unwatch(watchers_.begin()->first);
}

void AresPoller::on_watcher_closed(uv_handle_t* handle) {
  auto* watcher = static_cast<Watcher*>(handle->data);
  AresPoller* self = watcher->owner;
  self->closing_.erase(watcher);  // frees the watcher and its handle
  self->handle_closed();
}

void AresPoller::on_timer_closed(uv_handle_t* handle) {
  static_cast<AresPoller*>(handle->data)->handle_closed();
}

void AresPoller::handle_closed() {
  if (--open_handles_ != 0 || !on_closed_) return;
  // Moved out first: the callback may destroy this poller, and with it on_closed_.
  std::function<void()> on_closed = std::move(on_closed_);
  on_closed();
}

}  // namespace tlsfleet::net
