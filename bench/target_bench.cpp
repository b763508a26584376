// Target grammar, target files and lazy range expansion (net/target.cpp,
// net/target_reader.cpp, net/address_range.cpp): every input line goes through the reader
// and parse_target once, and every address of a range through at() and to_string() once,
// so a sweep of a /8 pays these sixteen million times.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <variant>

#include "net/address_range.h"
#include "net/target.h"
#include "net/target_reader.h"

namespace tlsfleet::net {
namespace {

void BM_ParseTarget(benchmark::State& state, const char* item) {
  for (auto _ : state) {
    auto parsed = parse_target(item);
    benchmark::DoNotOptimize(parsed);
    if (!std::holds_alternative<Target>(parsed)) state.SkipWithError("target did not parse");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ParseTarget, name, "www.example.com");
// The names of scripts/bench.sh's sweeps: too long for std::string's inline buffer.
BENCHMARK_CAPTURE(BM_ParseTarget, bench_name, "x000123.bench.test");
BENCHMARK_CAPTURE(BM_ParseTarget, name_port, "shop.example.com:8443");
BENCHMARK_CAPTURE(BM_ParseTarget, ipv4, "10.20.30.40");
BENCHMARK_CAPTURE(BM_ParseTarget, ipv6_port, "[2001:db8:85a3::8a2e:370:7334]:8443");
BENCHMARK_CAPTURE(BM_ParseTarget, cidr_v4, "10.0.0.0/16");
BENCHMARK_CAPTURE(BM_ParseTarget, cidr_v6, "2001:db8::/120");
BENCHMARK_CAPTURE(BM_ParseTarget, dash_range, "10.0.0.1-10.0.3.254");
BENCHMARK_CAPTURE(BM_ParseTarget, name_at_address, "shop.example.com@10.0.0.5:443");
BENCHMARK_CAPTURE(BM_ParseTarget, url, "https://www.example.com:8443/login?next=/");

// A targets file of Arg hostnames, one per line, read from memory through TargetReader:
// what -i costs per line before the plan sees a target.
void BM_ReadTargets(benchmark::State& state) {
  const size_t lines = static_cast<size_t>(state.range(0));
  std::string text;
  char name[48];
  for (size_t i = 0; i < lines; ++i) {
    std::snprintf(name, sizeof name, "x%06zu.bench.test\n", i);
    text += name;
  }
  std::istringstream in(text);
  for (auto _ : state) {
    in.clear();
    in.seekg(0);
    TargetReader reader(in, nullptr);
    size_t read = 0;
    while (auto target = reader.next()) {
      benchmark::DoNotOptimize(target);
      ++read;
    }
    if (read != lines) state.SkipWithError("a line did not parse");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines));
}
BENCHMARK(BM_ReadTargets)->Arg(1000);

// Walks a range the way the plan does: index by index. Arg: 0 = IPv4 /8, 1 = IPv6 /64.
AddressRange range_for(int which) {
  auto range = AddressRange::parse_cidr(which == 0 ? "10.0.0.0/8" : "2001:db8::/64");
  return range ? *range : AddressRange{};
}

void BM_RangeAt(benchmark::State& state) {
  const AddressRange range = range_for(static_cast<int>(state.range(0)));
  const u128 size = range.size();
  u128 i = 0;
  for (auto _ : state) {
    IpAddress a = range.at(i);
    benchmark::DoNotOptimize(a);
    if (++i == size) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "ipv4 /8" : "ipv6 /64");
}
BENCHMARK(BM_RangeAt)->Arg(0)->Arg(1);

// at() plus the canonical text every record carries in `ip`.
void BM_RangeAtToString(benchmark::State& state) {
  const AddressRange range = range_for(static_cast<int>(state.range(0)));
  const u128 size = range.size();
  u128 i = 0;
  for (auto _ : state) {
    std::string text = range.at(i).to_string();
    benchmark::DoNotOptimize(text);
    if (++i == size) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "ipv4 /8" : "ipv6 /64");
}
BENCHMARK(BM_RangeAtToString)->Arg(0)->Arg(1);

}  // namespace
}  // namespace tlsfleet::net
