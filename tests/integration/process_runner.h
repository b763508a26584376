// Runs a program to completion with a hard deadline, feeding it stdin and capturing its
// stdout, stderr and exit status. The child runs in its own process group, so a timeout
// kills it and anything it started.
#pragma once

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

}  // namespace tlsfleet::integration
