// The native NDJSON record (output/native_record.cpp): one line per endpoint, written by
// the worker that finished it.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/bench_fixtures.h"
#include "output/native_record.h"
#include "scanner/findings.h"

namespace tlsfleet::bench {
namespace {

// The record with its findings, as the worker holds it when it writes the line.
scanner::EndpointResult with_findings(scanner::EndpointResult r) {
  scanner::FindingOptions options;
  options.now_unix = kNow;
  r.findings = scanner::evaluate_findings(r, options);
  return r;
}

// A name that does not exist, as a sweep of unregistered names records it: no address, no
// connection, only the DNS stage timed. Such records are most of a large sweep's lines.
scanner::EndpointResult nxdomain_result() {
  scanner::EndpointResult r;
  r.finished_unix_ms = kNow * 1000 + 524;
  r.target = "x001024.bench.test";
  r.host = r.target;
  r.port = 9;
  r.sni = r.target;
  r.status = scanner::Status::kDnsError;
  r.error = scanner::EndpointError{scanner::ErrorStage::kDns, "NXDOMAIN",
                                   "DNS lookup of x001024.bench.test: Domain name not found"};
  r.timing.dns_ms = 3.688;
  r.timing.total_ms = 3.688;
  return r;
}

void BM_AppendNativeRecord(benchmark::State& state, scanner::EndpointResult (*make)()) {
  const scanner::EndpointResult result = with_findings(make());
  // The worker appends into one buffer it flushes every 64 KiB; do the same so the
  // benchmark measures the writing, not a fresh allocation per line.
  std::string out;
  out.reserve(128 * 1024);
  size_t line = 0;
  for (auto _ : state) {
    const size_t before = out.size();
    output::append_native_record(result, out);
    line = out.size() - before;
    if (out.size() >= 64 * 1024) out.clear();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line));
  state.counters["line_bytes"] = static_cast<double>(line);
}
BENCHMARK_CAPTURE(BM_AppendNativeRecord, basic_healthy, &healthy_result);
BENCHMARK_CAPTURE(BM_AppendNativeRecord, basic_broken, &broken_result);
BENCHMARK_CAPTURE(BM_AppendNativeRecord, full_depth, &full_result);
BENCHMARK_CAPTURE(BM_AppendNativeRecord, connect_refused, &refused_result);
BENCHMARK_CAPTURE(BM_AppendNativeRecord, dns_nxdomain, &nxdomain_result);

}  // namespace
}  // namespace tlsfleet::bench
