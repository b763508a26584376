// Per-worker counters, plain and cheap on the hot path; the control thread reads them
// (relaxed) for progress and merges them for the summary.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "scanner/endpoint_result.h"

namespace tlsfleet::scanner {

constexpr size_t kStatusCount = 7;

struct ScanStats {
  std::array<std::atomic<uint64_t>, kStatusCount> by_status{};
  std::array<std::atomic<uint64_t>, 5> findings_by_severity{};
  std::atomic<uint64_t> connections{0};
  std::atomic<int> worst_severity{-1};

  void count(const EndpointResult& r) {
    by_status[static_cast<size_t>(r.status)].fetch_add(1, std::memory_order_relaxed);
    connections.fetch_add(static_cast<uint64_t>(r.connections), std::memory_order_relaxed);
    for (const Finding& f : r.findings) {
      int s = static_cast<int>(f.severity);
      findings_by_severity[static_cast<size_t>(s)].fetch_add(1, std::memory_order_relaxed);
      int worst = worst_severity.load(std::memory_order_relaxed);
      while (s > worst && !worst_severity.compare_exchange_weak(worst, s)) {
      }
    }
  }

  uint64_t done() const {
    uint64_t n = 0;
    for (const auto& c : by_status) n += c.load(std::memory_order_relaxed);
    return n;
  }
};

}  // namespace tlsfleet::scanner
