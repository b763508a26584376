// The single writer of NDJSON output. Every worker thread hands it whole lines; it buffers
// them and writes them to one file descriptor, so records are never interleaved and a sweep
// of 65,536 endpoints costs a few hundred write(2) calls, not 65,536.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace tlsfleet::output {

class OutputSink {
 public:
  // Buffered bytes past which write() hands them to the kernel.
  static constexpr std::size_t kFlushThreshold = 64 * 1024;

  // Opens `path` for writing (created with mode 0644, truncated, close-on-exec), or standard
  // output when `path` is "-". Returns null and sets `error` to a sentence naming the path
  // and the reason when the file cannot be opened.
  static std::unique_ptr<OutputSink> open(const std::string& path, std::string& error);

  // Writes to an already open descriptor (a pipe, a socket, a test's file). `name` appears
  // in error messages. The sink closes `fd` at close() only when `owned` is true.
  static std::unique_ptr<OutputSink> adopt_fd(int fd, bool owned, std::string name);

  // Flushes what is buffered and closes an owned descriptor; errors are lost here, so
  // callers that care call close() first.
  ~OutputSink();

  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;

  // Queues `lines` (zero or more complete lines, each ending in '\n'; a missing final '\n'
  // is added so the next record can never be glued to this one) and writes the buffer out
  // once it passes kFlushThreshold. Safe from any thread: the lines of one call stay
  // together and are never interleaved with another call's. Returns false, and queues
  // nothing, once the sink has failed; the caller should then stop producing and report
  // error().
  bool write(std::string_view lines);

  // Hands everything buffered to the kernel. Returns false when the sink has failed.
  bool flush();

  // write(lines) and flush() in one, without copying lines into the buffer: what is
  // buffered goes to the kernel first, then lines straight from the caller's memory, all
  // under one hold of the lock. For callers that gather many records themselves (a
  // worker's 64 KiB of them): the copy cost a DNS-only sweep some 400 instructions a record.
  bool write_through(std::string_view lines);

  // Flushes, then closes an owned descriptor. Idempotent; returns false when the sink has
  // failed at any point, including the close itself (e.g. a deferred NFS write error).
  bool close();

  // True once a write, flush or close failed. Lines queued but not yet written when the
  // failure happened are dropped, and the last line may be cut short on disk: error() says
  // how many bytes were lost, and lines_written() counts only lines that were written in
  // full.
  bool failed() const;

  // A sentence naming the output and the reason ("cannot write to out.ndjson: No space left
  // on device; 1,234 bytes not written"), empty while nothing failed.
  const std::string& error() const;

  // Complete lines handed to the kernel so far.
  uint64_t lines_written() const;

 private:
  OutputSink(int fd, bool owned, std::string name);

  // Writes buffer_ out; requires mutex_ held.
  bool flush_locked();
  // Writes data out, counting the complete lines; requires mutex_ held. On failure, fails
  // the sink with the bytes of data (and `more` after it) that were not written.
  bool write_locked(std::string_view data, std::size_t more);
  void fail_locked(const char* action, int error_number, std::size_t bytes_lost);

  mutable std::mutex mutex_;
  int fd_ = -1;
  bool owned_ = false;
  std::string name_;
  std::string buffer_;
  std::string error_;
  bool failed_ = false;
  bool closed_ = false;
  uint64_t lines_written_ = 0;
};

}  // namespace tlsfleet::output
