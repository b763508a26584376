// TcpConnection: one outgoing TCP connection on a libuv loop with one absolute deadline
// (connect + whatever the owner does over it). It owns its uv_tcp_t and uv_timer_t by
// value; both are closed with uv_close and the object may be destroyed only once
// closed() is true, after the loop ran their close callbacks.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "net/address.h"

namespace tlsfleet::net {

class TcpConnection {
 public:
  // The owner's side. Callbacks run on the loop thread; none runs after close().
  class Handler {
   public:
    virtual ~Handler() = default;
    // status 0: connected; otherwise a libuv error (UV_ECONNREFUSED, ...).
    virtual void on_connected(int status) = 0;
    virtual void on_data(const char* data, size_t len) = 0;
    // UV_EOF for a clean close by the peer, another libuv error otherwise.
    virtual void on_read_end(int status) = 0;
    // The deadline passed; the owner decides what that means and calls close().
    virtual void on_deadline() = 0;
  };

  TcpConnection(uv_loop_t* loop, Handler* handler);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Starts connecting; the deadline fires timeout_ms from now unless close() comes first.
  // Returns 0 or a libuv error (e.g. UV_EMFILE), in which case nothing will be called
  // back and the owner should close().
  int connect(const IpAddress& ip, uint16_t port, uint64_t timeout_ms);
  // Moves the deadline to timeout_ms from now (the owner's one timer, restarted).
  void set_deadline(uint64_t timeout_ms);
  // Queues bytes to send; the buffer lives until libuv is done with it.
  int write(std::string bytes);
  // Stops the timer and reading, closes both handles. Idempotent.
  void close();
  bool closed() const { return open_handles_ == 0; }

  // The read buffer, shared by all connections of one loop thread: libuv hands it to
  // on_data, which consumes it before returning.
  static constexpr size_t kReadBufferSize = 64 * 1024;

 private:
  // Arms the deadline timeout_ms from now (real time, not the loop's cached time).
  void start_deadline(uint64_t timeout_ms);
  static void on_connect(uv_connect_t* req, int status);
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_timer(uv_timer_t* timer);
  static void on_close(uv_handle_t* handle);

  Handler* handler_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_connect_t connect_req_;
  int open_handles_ = 0;
  bool closing_ = false;
  bool tcp_initialized_ = false;
};

}  // namespace tlsfleet::net
