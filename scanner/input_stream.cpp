#include "scanner/input_stream.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tlsfleet::scanner {

PollingFdBuf::PollingFdBuf(int fd, bool owns_fd, const std::atomic<bool>* stop)
    : fd_(fd), owns_fd_(owns_fd), stop_(stop) {
  setg(buffer_, buffer_, buffer_);
}

PollingFdBuf::~PollingFdBuf() {
  if (owns_fd_ && fd_ >= 0) close(fd_);
}

bool PollingFdBuf::would_block() {
  if (gptr() < egptr()) return false;
  pollfd p{fd_, POLLIN, 0};
  int ready = poll(&p, 1, 0);
  return ready == 0;
}

PollingFdBuf::int_type PollingFdBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  while (true) {
    if (stop_ && stop_->load(std::memory_order_relaxed)) {
      stopped_ = true;
      return traits_type::eof();
    }
    pollfd p{fd_, POLLIN, 0};
    int ready = poll(&p, 1, kPollMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return traits_type::eof();
    }
    if (ready == 0) continue;
    // POLLHUP without POLLIN still reads: 0 (end of input) once the pipe is drained.
    ssize_t n = read(fd_, buffer_, sizeof buffer_);
    if (n > 0) {
      setg(buffer_, buffer_, buffer_ + n);
      return traits_type::to_int_type(*gptr());
    }
    if (n == 0) return traits_type::eof();
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    error_ = std::strerror(errno);
    return traits_type::eof();
  }
}

}  // namespace tlsfleet::scanner
