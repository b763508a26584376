// SharedScan: what all workers of one scan share. Read-only after setup, except the
// plan and the rate limiter (each behind its own lock) and the output sink (one writer).
// The SSL_CTXs are not here: each worker has its own (scanner/worker.h).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "net/exclusion_set.h"
#include "net/rate_limiter.h"
#include "output/output_sink.h"
#include "scanner/plan.h"
#include "scanner/scan_options.h"
#include "tls/client_context.h"
#include "tls/ossl_ptr.h"
#include "tls/trust_store.h"

namespace tlsfleet::scanner {

struct SharedScan {
  ScanOptions options;
  std::unique_ptr<Plan> plan;
  net::ExclusionSet exclusions;
  const net::ExclusionSet* plan_exclusions = nullptr;  // &exclusions when any were given
  std::unique_ptr<tls::TrustStore> trust_store;
  std::unique_ptr<output::OutputSink> sink;

  std::mutex rate_mutex;
  std::unique_ptr<net::RateLimiter> rate_limiter;  // null: no limit

  std::atomic<bool> stopping{false};    // first interrupt: launch nothing new
  std::atomic<bool> cancelling{false};  // second interrupt: end in-flight endpoints now
  std::atomic<bool> output_failed{false};
};

}  // namespace tlsfleet::scanner
