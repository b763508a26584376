// `tlsfleet diff` on a pair of large scan files, and the reader alone for comparison.
//
// The files are generated once per run by the real native record writer: N endpoints
// (TLSFLEET_DIFF_BENCH_RECORDS, default 1,000,000) of realistic depth-standard records with
// a two-certificate chain, about 1.6 KiB each. NEW differs from OLD the way a nightly scan
// does: 1% of certificates rotated, 0.5% of endpoints gone, 0.5% new, 1% with a new finding,
// 0.5% timing out, and 0.1% written twice (a resumed scan). They live in $TMPDIR (default
// /tmp) and are removed at exit, unless TLSFLEET_DIFF_BENCH_DIR names a directory to write
// them to and keep (old.ndjson, new.ndjson), to time `tlsfleet diff` itself on them.
// Counters: records per second and the process's peak RSS.
//
//   build/bench/diff_bench --benchmark_counters_tabular=true
//   TLSFLEET_DIFF_BENCH_DIR=/tmp/d build/bench/diff_bench --benchmark_filter=ReadScan &&
//     /usr/bin/time -v build/tlsfleet diff /tmp/d/old.ndjson /tmp/d/new.ndjson >/dev/null
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "output/diff.h"
#include "output/native_record.h"
#include "output/ndjson_reader.h"

namespace {

using tlsfleet::scanner::EndpointResult;

std::size_t record_count() {
  const char* env = std::getenv("TLSFLEET_DIFF_BENCH_RECORDS");
  return env && *env ? std::strtoull(env, nullptr, 10) : 1000000;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

std::string hex64(uint64_t seed) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < 64; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    out[i] = kHex[(seed >> 60) & 0xf];
  }
  return out;
}

tlsfleet::tls::ServedCert served(std::string subject, std::string issuer, std::string sha256,
                                 std::string not_after) {
  tlsfleet::tls::ServedCert cert;
  cert.subject = std::move(subject);
  cert.issuer = std::move(issuer);
  cert.sha256 = std::move(sha256);
  cert.not_after = std::move(not_after);
  return cert;
}

EndpointResult record(std::size_t i, int version) {
  EndpointResult r;
  r.finished_unix_ms = 1795802400123 + static_cast<int64_t>(i);
  const std::string name = "host" + std::to_string(i) + ".fleet.example.com";
  r.target = name;
  r.host = name;
  r.ip = "10." + std::to_string(i >> 16 & 0xff) + "." + std::to_string(i >> 8 & 0xff) + "." +
         std::to_string(i & 0xff);
  r.port = 443;
  r.sni = name;
  r.timing = {1.25, 0.5, 3.75, 5.5};
  r.connections = 6;
  const bool rotated = version == 1 && i % 100 == 7;
  const bool timeout = version == 1 && i % 200 == 11;
  if (timeout) {
    r.status = tlsfleet::scanner::Status::kTimeout;
    r.error = tlsfleet::scanner::EndpointError{tlsfleet::scanner::ErrorStage::kTls,
                                               "HANDSHAKE_TIMEOUT", "no answer within 5 s"};
    return r;
  }
  tlsfleet::scanner::TlsInfo tls;
  tls.version = "TLSv1.3";
  tls.cipher = "TLS_AES_256_GCM_SHA384";
  tls.group = "X25519";
  tls.alpn = "h2";
  tls.protocols = std::map<std::string, bool>{
      {"TLSv1.0", i % 50 == 3}, {"TLSv1.1", false}, {"TLSv1.2", true}, {"TLSv1.3", true}};
  tls.resumption = tlsfleet::scanner::Resumption{true, true};
  tls.sni_required = false;
  r.tls = tls;
  tlsfleet::tls::CertInfo cert;
  cert.subject = "CN=" + name + ",O=Example Fleet";
  cert.issuer = "CN=Example Issuing CA " + std::to_string(i % 4) + ",O=Example";
  cert.serial = "0A" + std::to_string(i);
  cert.not_before = "2026-06-01T00:00:00Z";
  cert.not_after = rotated ? "2027-12-01T00:00:00Z" : "2027-06-01T00:00:00Z";
  cert.days_left = rotated ? 369 : 186;
  cert.san = {name, "www." + name};
  cert.key = {"EC", 256, "prime256v1"};
  cert.sig_alg = "ecdsa-with-SHA256";
  cert.sha256 = hex64(i * 2 + (rotated ? 1 : 0));
  r.cert = cert;
  tlsfleet::tls::ChainInfo chain;
  chain.served.push_back(served(cert.subject, cert.issuer, cert.sha256, cert.not_after));
  chain.served.push_back(
      served(cert.issuer, "CN=Example Root", hex64(i % 4 + 7), "2031-01-01T00:00:00Z"));
  chain.trusted = chain.complete = chain.ordered = true;
  chain.hostname_match = true;
  r.chain = chain;
  if (i % 50 == 3) {
    r.findings.push_back({"PROTOCOL_LEGACY_ENABLED", tlsfleet::scanner::Severity::kMedium,
                          "protocol", "TLSv1.0 accepted", "ssl_protocols TLSv1.2 TLSv1.3;"});
  }
  if (version == 1 && i % 100 == 13) {
    r.findings.push_back({"OCSP_NOT_STAPLED", tlsfleet::scanner::Severity::kInfo, "certificate",
                          "no stapled OCSP response", "ssl_stapling on;"});
  }
  return r;
}

// Writes OLD (version 0) or NEW (version 1) of `n` endpoints to `path`.
void write_scan(const std::string& path, std::size_t n, int version) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  std::string buffer;
  const auto flush = [&] {
    std::fwrite(buffer.data(), 1, buffer.size(), f);
    buffer.clear();
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (version == 1 && i % 200 == 17) continue;  // gone
    tlsfleet::output::append_native_record(record(i, version), buffer);
    if (version == 1 && i % 1000 == 21) {
      tlsfleet::output::append_native_record(record(i, version), buffer);  // resumed twice
    }
    if (buffer.size() > (1 << 20)) flush();
  }
  if (version == 1) {
    for (std::size_t i = n; i < n + n / 200; ++i) {
      tlsfleet::output::append_native_record(record(i, version), buffer);  // new
    }
  }
  flush();
  std::fclose(f);
}

struct Files {
  std::string old_path, new_path;
  std::size_t n = 0;
  bool keep = false;
  Files() : n(record_count()) {
    const char* kept = std::getenv("TLSFLEET_DIFF_BENCH_DIR");
    const char* tmp = std::getenv("TMPDIR");
    keep = kept && *kept;
    const std::string stem = keep ? std::string(kept) + "/"
                                  : std::string(tmp && *tmp ? tmp : "/tmp") +
                                        "/tlsfleet-diff-bench-" + std::to_string(getpid()) + "-";
    old_path = stem + "old.ndjson";
    new_path = stem + "new.ndjson";
    write_scan(old_path, n, 0);
    write_scan(new_path, n, 1);
  }
  ~Files() {
    if (keep) return;
    std::remove(old_path.c_str());
    std::remove(new_path.c_str());
  }
};

const Files& files() {
  static const Files instance;
  return instance;
}

void BM_ReadScan(benchmark::State& state) {
  const Files& f = files();
  uint64_t records = 0;
  for (auto _ : state) {
    tlsfleet::output::NdjsonReader reader;
    std::string error;
    if (!reader.open(f.old_path, &error)) state.SkipWithError(error.c_str());
    tlsfleet::output::EndpointSummary summary;
    while (reader.next(summary)) ++records;
  }
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadScan)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

void BM_Diff(benchmark::State& state) {
  const Files& f = files();
  tlsfleet::output::DiffStats stats;
  uint64_t bytes = 0;
  for (auto _ : state) {
    stats = {};
    std::string error;
    const bool ok = tlsfleet::output::diff_scan_files(
        f.old_path, f.new_path,
        [&bytes](std::string_view chunk) {
          bytes += chunk.size();
          return true;
        },
        &stats, &error);
    if (!ok) state.SkipWithError(error.c_str());
  }
  state.counters["records"] = static_cast<double>(f.n);
  state.counters["events"] = static_cast<double>(stats.total_events());
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.SetLabel(stats.describe().substr(0, 160));
}
BENCHMARK(BM_Diff)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace
