// The progress line printed on stderr during a scan. Plain data in, text out: the scanner
// owns the clock, the counters and the printing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "output/schema_names.h"

namespace tlsfleet::output {

struct ProgressSnapshot {
  double elapsed_s = 0;           // since the scan started
  uint64_t done = 0;              // endpoints finished
  std::optional<uint64_t> total;  // endpoints planned; empty when unknown (stdin input)
  // Endpoints per second. The scanner may pass a recent rate (e.g. over the last few
  // seconds), which predicts the ETA better; when empty, done / elapsed_s is used.
  std::optional<double> rate_per_s;
  // Finished endpoints per status, indexed by static_cast<size_t>(scanner::Status).
  std::array<uint64_t, kStatusCount> by_status{};
};

// One line without a trailing newline, e.g.
//   "[00:12] 12,345/65,536 18.8%  1,020/s  ETA 0:52  ok 10  connect_error 12,335"
// Elapsed time is [MM:SS], or [H:MM:SS] past an hour; the ETA is M:SS or H:MM:SS. Without a
// total the percentage and ETA are left out; without a rate the ETA shows "--". Only
// statuses with a non-zero count are listed, in SCHEMA.md order.
std::string format_progress(const ProgressSnapshot& snapshot);

// 12345 -> "12,345": counts on the progress line are read at a glance.
std::string format_count(uint64_t value);

}  // namespace tlsfleet::output
