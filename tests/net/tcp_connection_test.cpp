// TcpConnection's deadline against a listener that accepts (in the kernel) and never
// answers: the deadline counts from connect(), in real time, however long the loop thread
// was busy before it. Loopback only: the listener is ours, on 127.0.0.1, port chosen by
// the kernel.
#include "net/tcp_connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <thread>

namespace tlsfleet::net {
namespace {

using Clock = std::chrono::steady_clock;

// A listening socket nobody accepts from: connects complete in the kernel, no byte comes.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(sa.sin_port);
  }
  ~SilentListener() {
    if (fd_ >= 0) close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class DeadlineRecorder : public TcpConnection::Handler {
 public:
  void on_connected(int status) override { connected_status = status; }
  void on_data(const char*, size_t) override {}
  void on_read_end(int) override {}
  void on_deadline() override {
    fired_at = Clock::now();
    connection->close();
  }
  TcpConnection* connection = nullptr;
  int connected_status = 1;
  Clock::time_point fired_at{};
};

// The loop thread was busy (a slow input read, a burst of handshakes) for longer than the
// deadline before the connection started: libuv's cached "now" is that old, and a timer
// started from it would fire at once, making every such endpoint a spurious timeout.
TEST(TcpConnection, DeadlineCountsFromConnectEvenAfterTheLoopWasBusy) {
  SilentListener listener;
  ASSERT_NE(listener.port(), 0);
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  uv_run(&loop, UV_RUN_NOWAIT);  // sets the loop's cached time
  std::this_thread::sleep_for(std::chrono::milliseconds(400));

  DeadlineRecorder handler;
  auto connection = std::make_unique<TcpConnection>(&loop, &handler);
  handler.connection = connection.get();
  auto started = Clock::now();
  ASSERT_EQ(connection->connect(*IpAddress::parse("127.0.0.1"), listener.port(), 300), 0);
  uv_run(&loop, UV_RUN_DEFAULT);

  EXPECT_EQ(handler.connected_status, 0) << "the kernel completes the connect";
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(handler.fired_at - started);
  EXPECT_GE(waited.count(), 290) << "the deadline fired early, from a stale loop clock";
  EXPECT_LT(waited.count(), 1000);
  EXPECT_TRUE(connection->closed());
  connection.reset();
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace tlsfleet::net
