#include "scanner/resume.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace tlsfleet::scanner {

namespace {

constexpr off_t kTailChunk = 64 * 1024;

std::string errno_text() { return std::strerror(errno); }

bool truncate_to(int fd, off_t keep, off_t size, const std::string& path, std::string* error) {
  if (keep == size || ::ftruncate(fd, keep) == 0) return true;
  *error = "cannot cut the unfinished last line of '" + path + "': " + errno_text();
  return false;
}

// Cuts a regular file back to just after its last '\n' (to nothing when it has none): a
// run killed in the middle of a write can leave half a record at the end.
bool cut_torn_tail(int fd, const std::string& path, std::string* error) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = "cannot stat output '" + path + "': " + errno_text();
    return false;
  }
  if (!S_ISREG(st.st_mode) || st.st_size == 0) return true;
  off_t end = st.st_size;
  char buffer[kTailChunk];
  // Walks back chunk by chunk; every step moves end towards 0, so this ends.
  while (end > 0) {
    off_t start = end > kTailChunk ? end - kTailChunk : 0;
    ssize_t n = ::pread(fd, buffer, static_cast<size_t>(end - start), start);
    if (n != end - start) {
      *error = "cannot read output '" + path + "' to resume it: " + errno_text();
      return false;
    }
    for (off_t i = n - 1; i >= 0; --i) {
      if (buffer[i] != '\n') continue;
      return truncate_to(fd, start + i + 1, st.st_size, path, error);
    }
    end = start;
  }
  return truncate_to(fd, 0, st.st_size, path, error);
}

}  // namespace

uint64_t random_seed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

ResumeSession::ResumeSession(std::string path, std::string fingerprint, uint64_t seed,
                             std::optional<CheckpointState> previous)
    : path_(std::move(path)),
      fingerprint_(std::move(fingerprint)),
      seed_(seed),
      previous_(std::move(previous)),
      ledger_(previous_ ? &*previous_ : nullptr) {}

std::unique_ptr<ResumeSession> ResumeSession::open(ScanOptions& options, std::string* error) {
  const std::string& path = options.resume_file;
  std::optional<std::string> fingerprint = scan_fingerprint(options, error);
  if (!fingerprint) return nullptr;
  std::string read_error;
  std::optional<CheckpointState> previous = read_checkpoint(path, &read_error);
  if (!read_error.empty()) {
    *error = read_error;
    return nullptr;
  }
  if (previous) {
    if (previous->fingerprint != *fingerprint) {
      *error = "checkpoint '" + path +
               "' was written by a different scan (its targets, input files, ports, --sni, "
               "--sni-from, --ipv6, --shard or --exclude differ): give the same command line "
               "to finish that scan, or another --resume file to start a new one";
      return nullptr;
    }
    if (options.seed && *options.seed != previous->seed) {
      *error = "checkpoint '" + path + "' was written with --seed " +
               std::to_string(previous->seed) + ", not " + std::to_string(*options.seed) +
               ": give the same seed (or none) to finish that scan";
      return nullptr;
    }
    options.seed = previous->seed;
  } else if (!options.seed) {
    options.seed = random_seed();
  }
  return std::unique_ptr<ResumeSession>(
      new ResumeSession(path, *fingerprint, *options.seed, std::move(previous)));
}

std::unique_ptr<output::OutputSink> ResumeSession::open_output(const std::string& path,
                                                               std::string* error) {
  if (path == "-") return output::OutputSink::open(path, *error);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open output '" + path + "': " + errno_text();
    return nullptr;
  }
  if (!cut_torn_tail(fd, path, error)) {
    ::close(fd);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) output_fd_ = fd;
  return output::OutputSink::adopt_fd(fd, /*owned=*/true, path);
}

bool ResumeSession::save(std::string* error) {
  // The snapshot first: every record it counts was written before it was taken, so the
  // sync below makes all of them durable before the new checkpoint says so.
  CheckpointState state = ledger_.snapshot();
  state.fingerprint = fingerprint_;
  state.seed = seed_;
  if (output_fd_ >= 0 && ::fdatasync(output_fd_) != 0) {
    *error = "cannot sync the output to disk before checkpointing: " + errno_text();
    return false;
  }
  return write_checkpoint(path_, state, error);
}

}  // namespace tlsfleet::scanner
