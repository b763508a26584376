#include "net/tcp_connection.h"

#include <cstdlib>
#include <memory>

namespace tlsfleet::net {

namespace {

// A write in flight: the request and the bytes it sends, freed together in its callback.
struct WriteRequest {
  uv_write_t req;
  std::string bytes;
};

thread_local char t_read_buffer[TcpConnection::kReadBufferSize];

}  // namespace

TcpConnection::TcpConnection(uv_loop_t* loop, Handler* handler) : handler_(handler) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  ++open_handles_;
  if (uv_tcp_init(loop, &tcp_) == 0) {
    tcp_.data = this;
    tcp_initialized_ = true;
    ++open_handles_;
  }
}

TcpConnection::~TcpConnection() {
  // Destroying an open handle would leave libuv with a dangling pointer: that is a bug
  // in the owner, and better caught loudly than as memory corruption later.
  if (open_handles_ != 0) std::abort();
}

int TcpConnection::connect(const IpAddress& ip, uint16_t port, uint64_t timeout_ms) {
  if (!tcp_initialized_) return UV_ENOMEM;
  sockaddr_storage addr;
  ip.to_sockaddr(port, &addr);
  connect_req_.data = this;
  int rc = uv_tcp_connect(&connect_req_, &tcp_, reinterpret_cast<const sockaddr*>(&addr),
                          &TcpConnection::on_connect);
  if (rc != 0) return rc;
  start_deadline(timeout_ms);
  return 0;
}

void TcpConnection::start_deadline(uint64_t timeout_ms) {
  // libuv times timers from the loop's cached "now", taken when the loop last polled. A
  // loop thread busy since then (a burst of handshakes, a slow input read) would start the
  // deadline in the past and fire it at once; the deadline counts from this moment.
  uv_update_time(timer_.loop);
  uv_timer_start(&timer_, &TcpConnection::on_timer, timeout_ms, 0);
}

void TcpConnection::set_deadline(uint64_t timeout_ms) {
  if (closing_) return;
  start_deadline(timeout_ms);
}

int TcpConnection::write(std::string bytes) {
  if (closing_ || bytes.empty()) return 0;
  auto request = std::make_unique<WriteRequest>();
  request->bytes = std::move(bytes);
  uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  int rc = uv_write(&request->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
                    [](uv_write_t* req, int) { delete reinterpret_cast<WriteRequest*>(req); });
  if (rc == 0) request.release();  // owned by libuv until the callback
  return rc;
}

void TcpConnection::close() {
  if (closing_) return;
  closing_ = true;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &TcpConnection::on_close);
  if (tcp_initialized_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &TcpConnection::on_close);
  }
}

void TcpConnection::on_connect(uv_connect_t* req, int status) {
  auto* self = static_cast<TcpConnection*>(req->data);
  // A connect cancelled by close() reports UV_ECANCELED; the owner is no longer listening.
  if (self->closing_) return;
  if (status == 0) {
    uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), &TcpConnection::on_alloc,
                  &TcpConnection::on_read);
  }
  self->handler_->on_connected(status);
}

void TcpConnection::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(t_read_buffer, sizeof t_read_buffer);
}

void TcpConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpConnection*>(stream->data);
  if (self->closing_ || nread == 0) return;
  if (nread < 0) {
    uv_read_stop(stream);
    self->handler_->on_read_end(static_cast<int>(nread));
    return;
  }
  self->handler_->on_data(buf->base, static_cast<size_t>(nread));
}

void TcpConnection::on_timer(uv_timer_t* timer) {
  auto* self = static_cast<TcpConnection*>(timer->data);
  if (!self->closing_) self->handler_->on_deadline();
}

void TcpConnection::on_close(uv_handle_t* handle) {
  auto* self = static_cast<TcpConnection*>(handle->data);
  --self->open_handles_;
}

}  // namespace tlsfleet::net
