// InputStream: an -i input that is not a regular file (stdin, a pipe, a FIFO, a
// terminal), read through poll() so that the thread reading it can be told to stop while
// no byte arrives. Regular files are read with std::ifstream: they never block.
#pragma once

#include <atomic>
#include <istream>
#include <streambuf>
#include <string>

namespace tlsfleet::scanner {

class PollingFdBuf : public std::streambuf {
 public:
  // Reads fd (not closed by this buffer unless owns_fd). stop, when set, makes the next
  // read end the stream at once, as if the input had ended; stopped() says it happened.
  PollingFdBuf(int fd, bool owns_fd, const std::atomic<bool>* stop);
  ~PollingFdBuf() override;
  PollingFdBuf(const PollingFdBuf&) = delete;
  PollingFdBuf& operator=(const PollingFdBuf&) = delete;

  bool stopped() const { return stopped_; }
  // Nothing buffered and nothing to read on the descriptor right now: the next read
  // would wait (end of input does not count: it reads at once).
  bool would_block();
  // The read error that ended the stream early, or "" (end of input, or stopped).
  const std::string& error() const { return error_; }

  // How long one poll() waits before looking at the stop flag again.
  static constexpr int kPollMs = 50;

 protected:
  int_type underflow() override;

 private:
  int fd_;
  bool owns_fd_;
  const std::atomic<bool>* stop_;
  bool stopped_ = false;
  std::string error_;
  char buffer_[64 * 1024];
};

class InputStream : public std::istream {
 public:
  InputStream(int fd, bool owns_fd, const std::atomic<bool>* stop)
      : std::istream(nullptr), buf_(fd, owns_fd, stop) {
    rdbuf(&buf_);
  }
  const PollingFdBuf& buffer() const { return buf_; }
  PollingFdBuf& buffer() { return buf_; }

 private:
  PollingFdBuf buf_;
};

}  // namespace tlsfleet::scanner
