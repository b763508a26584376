// Certificate and chain analysis (tls/cert_analysis.cpp, tls/chain_analysis.cpp): every
// successful handshake pays analyze_cert once and analyze_chain once, the latter including
// a full X509_verify_cert against the trust store and the host name check.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "bench/bench_fixtures.h"

namespace tlsfleet::bench {
namespace {

// Arg: 0 = ECDSA P-256 leaf, 1 = RSA-2048 leaf.
void BM_AnalyzeCert(benchmark::State& state) {
  X509* leaf = state.range(0) == 0 ? pki().ec_leaf.get() : pki().rsa_leaf.get();
  for (auto _ : state) {
    tls::CertInfo info = tls::analyze_cert(leaf, kNow);
    benchmark::DoNotOptimize(info);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "ecdsa p-256 leaf" : "rsa-2048 leaf");
}
BENCHMARK(BM_AnalyzeCert)->Arg(0)->Arg(1);

void BM_DescribeServedCert(benchmark::State& state) {
  X509* cert = pki().intermediate.get();
  for (auto _ : state) {
    tls::ServedCert served = tls::describe_served_cert(cert);
    benchmark::DoNotOptimize(served);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DescribeServedCert);

// Leaf + intermediate served, root in the store, name checked: the healthy case.
// Arg: 0 = ECDSA leaf, 1 = RSA leaf (both under the RSA-2048 intermediate and root).
void BM_AnalyzeChainTrusted(benchmark::State& state) {
  X509* leaf = state.range(0) == 0 ? pki().ec_leaf.get() : pki().rsa_leaf.get();
  tls::X509StackPtr chain = test::stack_of({leaf, pki().intermediate.get()});
  const std::optional<std::string> host = kHost;
  for (auto _ : state) {
    tls::ChainInfo info =
        tls::analyze_chain(chain.get(), pki().store.get(), host, std::nullopt, kNow);
    benchmark::DoNotOptimize(info);
    if (!info.trusted) state.SkipWithError("chain did not verify");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "ecdsa leaf + rsa intermediate"
                                     : "rsa leaf + rsa intermediate");
}
BENCHMARK(BM_AnalyzeChainTrusted)->Arg(0)->Arg(1);

// The leaf alone, expired, for another name: verification fails and completeness needs a
// second look for the missing issuer.
void BM_AnalyzeChainBroken(benchmark::State& state) {
  tls::X509StackPtr chain = test::stack_of({pki().expired_leaf.get()});
  const std::optional<std::string> host = std::string("shop.example.test");
  for (auto _ : state) {
    tls::ChainInfo info =
        tls::analyze_chain(chain.get(), pki().store.get(), host, std::nullopt, kNow);
    benchmark::DoNotOptimize(info);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AnalyzeChainBroken);

// No trust anchor for the chain at all (a private CA the scan was not given).
void BM_AnalyzeChainUntrusted(benchmark::State& state) {
  tls::X509StackPtr chain = test::stack_of({pki().ec_leaf.get(), pki().intermediate.get()});
  tls::X509StorePtr empty(X509_STORE_new());
  const std::optional<std::string> host = kHost;
  for (auto _ : state) {
    tls::ChainInfo info = tls::analyze_chain(chain.get(), empty.get(), host, std::nullopt, kNow);
    benchmark::DoNotOptimize(info);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AnalyzeChainUntrusted);

}  // namespace
}  // namespace tlsfleet::bench
