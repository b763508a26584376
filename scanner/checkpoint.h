// Checkpoint and resume (--resume FILE). The plan numbers every candidate endpoint (and
// every name) with a position, in its deterministic order; the ledger knows the plan's
// cursor (every position below it was handed out or skipped) and the positions handed out
// whose records are not written yet. A checkpoint is that pair: everything below the cursor
// that is not listed as unfinished has its record in the output. The unfinished list is
// bounded by what is in flight, not by the size of the scan.
//
// Positions count candidates before exclusions, sharding and resume skips, so they depend
// only on the input and the seed; the fingerprint makes sure a checkpoint is only ever
// applied to the command line (targets, input contents, ports, shard, ...) that wrote it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "net/address.h"
#include "scanner/scan_options.h"

namespace tlsfleet::scanner {

using Position = net::u128;

struct CheckpointState {
  std::string fingerprint;           // hex SHA-256 of what decides the plan (scan_fingerprint)
  uint64_t seed = 0;                 // the order of the walk
  Position cursor = 0;               // every position below was handed out or skipped
  std::vector<Position> unfinished;  // sorted: below cursor, handed out, record not written
  uint64_t records = 0;              // records written for finished positions, all runs
  bool complete = false;             // the plan ran out and every position finished

  // The record (or, for a filtered position, the decision not to scan) is in the output.
  bool finished(Position p) const;
};

// Reads a checkpoint file. nullopt with *error empty when there is no such file; nullopt
// with *error set when it cannot be read or is not a whole checkpoint.
std::optional<CheckpointState> read_checkpoint(const std::string& path, std::string* error);

// Replaces the file atomically: writes path + ".tmp", fsyncs it, renames it over path. A
// reader (or the next run after a kill -9) sees the old checkpoint or the new one, never
// a mix. Returns false and sets *error on failure.
bool write_checkpoint(const std::string& path, const CheckpointState& state, std::string* error);

// What the running scan has finished. Thread-safe: the plan reports positions it hands
// out, workers report positions whose records were written, the control thread takes
// snapshots to save.
class ProgressLedger {
 public:
  // Starts from an earlier run's checkpoint (null: from nothing). Its unfinished positions
  // stay unfinished until this run finishes them.
  explicit ProgressLedger(const CheckpointState* previous);

  // The plan handed out positions and has moved past every position below cursor (those
  // not handed out were skipped: excluded, another shard's, finished earlier).
  // plan_done: the plan has no positions left.
  void issued(const std::vector<Position>& positions, Position cursor, bool plan_done);
  // The records of these positions are written (position, how many records it wrote).
  void finished(const std::vector<std::pair<Position, uint32_t>>& done);
  // The state to save; fingerprint and seed are left for the caller to fill.
  CheckpointState snapshot() const;

 private:
  mutable std::mutex mutex_;
  Position cursor_ = 0;
  std::set<Position> pending_;
  uint64_t records_ = 0;
  bool plan_done_ = false;
};

// SHA-256 (hex) over everything that decides the plan's positions and what is skipped:
// targets, the contents of -i files (a regular file is read once to hash it; stdin cannot
// be, its name stands in), ports, --sni, --sni-from, --ipv6, --shard and the contents of
// --exclude. Not the seed (checked on its own) nor how the scan runs (depth, rate,
// timeouts, threads, output), which may change between runs. nullopt and *error when a
// file cannot be read.
std::optional<std::string> scan_fingerprint(const ScanOptions& options, std::string* error);

// Decimal text of a position (u128 has no operator<<).
std::string position_text(Position p);

}  // namespace tlsfleet::scanner
