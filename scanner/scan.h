// run_scan: the `tlsfleet scan` command once its flags are parsed. Builds what the
// workers share, runs one worker per thread, handles SIGINT/SIGTERM and progress on a
// control loop in the calling thread, and returns the process exit status.
#pragma once

#include "scanner/scan_options.h"

namespace tlsfleet::scanner {

// Exit statuses of `tlsfleet scan` (documented in docs/CLI.md).
enum ExitStatus {
  kExitOk = 0,           // the scan ran, whatever it found
  kExitFailOn = 1,       // --fail-on tripped
  kExitUsage = 2,        // usage or input error, nothing scanned
  kExitOutputError = 3,  // the output could not be written; records were lost
  kExitInterrupted = 130,  // SIGINT/SIGTERM: finished endpoints were written
};

int run_scan(ScanOptions options);

}  // namespace tlsfleet::scanner
