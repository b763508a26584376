// The findings rules table (scanner/findings.cpp): evaluated once per endpoint, on every
// record whatever its status.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/bench_fixtures.h"
#include "scanner/findings.h"

namespace tlsfleet::bench {
namespace {

void BM_EvaluateFindings(benchmark::State& state, scanner::EndpointResult (*make)()) {
  const scanner::EndpointResult result = make();
  scanner::FindingOptions options;
  options.now_unix = kNow;
  size_t findings = 0;
  for (auto _ : state) {
    std::vector<scanner::Finding> found = scanner::evaluate_findings(result, options);
    findings = found.size();
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK_CAPTURE(BM_EvaluateFindings, healthy, &healthy_result);
BENCHMARK_CAPTURE(BM_EvaluateFindings, broken, &broken_result);
BENCHMARK_CAPTURE(BM_EvaluateFindings, full_depth_fields, &full_result);
BENCHMARK_CAPTURE(BM_EvaluateFindings, connect_refused, &refused_result);

}  // namespace
}  // namespace tlsfleet::bench
