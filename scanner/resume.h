// ResumeSession: what --resume FILE adds to a scan. Before the scan it reads the
// checkpoint (when there is one) and refuses one written by another command line; during
// the scan it saves the ledger's state atomically (every second, from the control loop)
// and once more at the end.
//
// The guarantee (docs/CLI.md): a position counts as finished in a saved checkpoint only
// when its records were handed to the kernel before the snapshot was taken, and the
// output is synced to disk before the checkpoint that counts them replaces the old one.
// So after a kill -9 (or a crash of the machine), running the same command again misses
// no endpoint; what it does again is what finished after the last save, plus what was in
// flight.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "output/output_sink.h"
#include "scanner/checkpoint.h"
#include "scanner/scan_options.h"

namespace tlsfleet::scanner {

// A seed for a run that was given none (std::random_device).
uint64_t random_seed();

class ResumeSession {
 public:
  // Reads options.resume_file if it exists and checks it: a checkpoint from another command
  // line (fingerprint) or another --seed is refused. Sets options.seed: the checkpoint's
  // when none was given, else the given one, else random_seed(). nullptr and *error (a
  // usage error, exit 2) on failure.
  static std::unique_ptr<ResumeSession> open(ScanOptions& options, std::string* error);

  // The earlier run's state, or null when this run starts the checkpoint.
  const CheckpointState* previous() const { return previous_ ? &*previous_ : nullptr; }
  // The earlier runs finished everything: there is nothing to scan.
  bool already_complete() const { return previous_ && previous_->complete; }
  ProgressLedger& ledger() { return ledger_; }

  // The output for a resumed scan: a file is appended to, never truncated, after cutting
  // off a last line a killed run left unfinished (its endpoint is not finished in any
  // checkpoint, so it is scanned again). "-" is stdout, used as it is.
  std::unique_ptr<output::OutputSink> open_output(const std::string& path, std::string* error);

  // Writes the checkpoint now. Returns false and sets *error when it could not be written
  // (the previous one stays in place).
  bool save(std::string* error);

 private:
  ResumeSession(std::string path, std::string fingerprint, uint64_t seed,
                std::optional<CheckpointState> previous);

  std::string path_;
  std::string fingerprint_;
  uint64_t seed_;
  std::optional<CheckpointState> previous_;
  ProgressLedger ledger_;
  int output_fd_ = -1;  // synced before each save when the output is a regular file
};

}  // namespace tlsfleet::scanner
