#include "output/output_sink.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace tlsfleet::output {

namespace {

// A buffer grown past this by one huge write is given back rather than kept for the run.
constexpr std::size_t kMaxKeptCapacity = 1024 * 1024;

std::string reason(int error_number) {
  // generic_category().message() is thread-safe, unlike strerror().
  return std::generic_category().message(error_number);
}

}  // namespace

std::unique_ptr<OutputSink> OutputSink::open(const std::string& path, std::string& error) {
  if (path == "-") return adopt_fd(STDOUT_FILENO, false, "standard output");
  int fd;
  do {
    // Opening a FIFO blocks until a reader comes and can be interrupted by a signal.
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    error = "cannot open output file " + path + ": " + reason(errno);
    return nullptr;
  }
  return adopt_fd(fd, true, path);
}

std::unique_ptr<OutputSink> OutputSink::adopt_fd(int fd, bool owned, std::string name) {
  return std::unique_ptr<OutputSink>(new OutputSink(fd, owned, std::move(name)));
}

OutputSink::OutputSink(int fd, bool owned, std::string name)
    : fd_(fd), owned_(owned), name_(std::move(name)) {
  buffer_.reserve(kFlushThreshold + 4096);
}

OutputSink::~OutputSink() { close(); }

bool OutputSink::write(std::string_view lines) {
  std::lock_guard lock(mutex_);
  if (failed_ || closed_) return false;
  buffer_.append(lines);
  if (!lines.empty() && lines.back() != '\n') buffer_.push_back('\n');
  if (buffer_.size() < kFlushThreshold) return true;
  return flush_locked();
}

bool OutputSink::flush() {
  std::lock_guard lock(mutex_);
  if (failed_) return false;
  return flush_locked();
}

bool OutputSink::close() {
  std::lock_guard lock(mutex_);
  if (closed_) return !failed_;
  if (!failed_) flush_locked();
  closed_ = true;
  // Linux releases the descriptor even when close() reports an error (EINTR included), so
  // it is never retried; the error still means data may be lost and is reported.
  if (owned_ && ::close(fd_) != 0 && !failed_) fail_locked("close", errno, 0);
  fd_ = -1;
  return !failed_;
}

bool OutputSink::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

const std::string& OutputSink::error() const {
  // error_ is written once, under the lock, before failed_ becomes true; a caller that saw
  // failed() true reads a string that no longer changes.
  std::lock_guard lock(mutex_);
  return error_;
}

uint64_t OutputSink::lines_written() const {
  std::lock_guard lock(mutex_);
  return lines_written_;
}

bool OutputSink::write_through(std::string_view lines) {
  std::lock_guard lock(mutex_);
  if (failed_ || closed_) return false;
  if (!lines.empty() && lines.back() != '\n') {
    // The missing final newline is added in the buffer, as write() does.
    buffer_.append(lines);
    buffer_.push_back('\n');
    return flush_locked();
  }
  bool ok = buffer_.empty() || write_locked(buffer_, lines.size());
  buffer_.clear();
  return ok && write_locked(lines, 0);
}

bool OutputSink::flush_locked() {
  write_locked(buffer_, 0);
  buffer_.clear();
  if (buffer_.capacity() > kMaxKeptCapacity) {
    buffer_ = std::string();
    buffer_.reserve(kFlushThreshold + 4096);
  }
  return !failed_;
}

bool OutputSink::write_locked(std::string_view data, std::size_t more) {
  std::size_t offset = 0;
  while (offset < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + offset, data.size() - offset);
    if (n > 0) {
      // memchr skips a record's length at a time; a byte-by-byte count cost more than the
      // rest of writing a short record.
      const char* at = data.data() + offset;
      const char* end = at + n;
      while (
          (at = static_cast<const char*>(std::memchr(at, '\n', static_cast<size_t>(end - at))))) {
        ++lines_written_;
        if (++at == end) break;
      }
      offset += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // An inherited non-blocking stdout: wait until the reader drains it instead of
      // failing the scan.
      pollfd pfd{fd_, POLLOUT, 0};
      ::poll(&pfd, 1, -1);
      continue;
    }
    // write() returning 0 for a non-empty buffer makes no progress; treat it as an I/O error.
    fail_locked("write to", n < 0 ? errno : EIO, data.size() - offset + more);
    return false;
  }
  return true;
}

void OutputSink::fail_locked(const char* action, int error_number, std::size_t bytes_lost) {
  if (failed_) return;
  error_ = std::string("cannot ") + action + " " + name_ + ": " + reason(error_number);
  if (error_number == EPIPE) error_ += " (the reader closed its end)";
  if (bytes_lost > 0) error_ += "; " + std::to_string(bytes_lost) + " bytes not written";
  failed_ = true;
}

}  // namespace tlsfleet::output
