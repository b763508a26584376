// Runs a program to completion with a hard deadline, feeding it stdin and capturing its
// stdout, stderr and exit status. The child runs in its own process group, so a timeout
// kills it and anything it started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace tlsfleet::integration {

struct ProcessResult {
  int exit_code = -1;      // the exit status; -1 when killed by a signal or the deadline
  int signal = 0;          // the signal that ended it, if one did
  bool timed_out = false;  // the deadline passed and the child was killed
  std::string out;
  std::string err;
  double seconds = 0;  // wall time from start to exit

  // One line for failure messages: how it ended, and the end of stderr.
  std::string describe() const;
};

// argv[0] is the program path (no PATH search). stdin_text is written, then stdin closed.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_text,
                          std::chrono::milliseconds limit);

// Starts argv (argv[0] a path) with these descriptors as its stdin, stdout and stderr, in
// the caller's process group (so the test can signal it alone), and returns at once with
// its pid; the caller waits for it. Descriptors the child must not keep (the other ends of
// pipes) should be O_CLOEXEC.
pid_t start_process(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd,
                    int stderr_fd);

}  // namespace tlsfleet::integration
