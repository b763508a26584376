// The client side of a handshake (tls/client_session.cpp) on the modern profile the main
// handshake uses: writing the ClientHello, and a whole handshake against an in-memory
// OpenSSL server, timed on the client's calls only, with and without what basic depth does
// after it (negotiated parameters, certificate and chain analysis, findings, the record).
// Set beside bench/baseline_client.cpp's figures, the difference is what the network,
// libuv and the kernel cost per endpoint.
#include <benchmark/benchmark.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "bench/bench_fixtures.h"
#include "output/native_record.h"
#include "scanner/findings.h"
#include "tls/client_context.h"
#include "tls/client_session.h"
#include "tls/negotiated.h"

namespace tlsfleet::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The scan's shared contexts, built the way scanner/scan.cpp builds them; the benchmarks
// use the modern one, the main handshake's.
std::unique_ptr<tls::ClientContexts> client_contexts() {
  std::string error;
  return tls::make_client_contexts(&error);
}

// A server like nginx with the bench's certificates: leaf + intermediate, no tickets (the
// scanner would not use them). key: 0 = ECDSA P-256, 1 = RSA-2048.
tls::SslCtxPtr server_context(int key) {
  const Pki& p = pki();
  const test::Keys& k = test::keys();
  tls::SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  X509* leaf = key == 0 ? p.ec_leaf.get() : p.rsa_leaf.get();
  EVP_PKEY* pkey = key == 0 ? k.ec_p256.get() : k.leaf.get();
  bool ok = ctx && SSL_CTX_use_certificate(ctx.get(), leaf) == 1 &&
            SSL_CTX_use_PrivateKey(ctx.get(), pkey) == 1 &&
            SSL_CTX_add1_chain_cert(ctx.get(), p.intermediate.get()) == 1;
  if (!ok) return nullptr;
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  return ctx;
}

void BM_ClientHello(benchmark::State& state) {
  std::unique_ptr<tls::ClientContexts> contexts = client_contexts();
  if (!contexts) {
    state.SkipWithError("cannot build the client contexts");
    return;
  }
  SSL_CTX* ctx = contexts->modern();
  const std::optional<std::string> sni =
      state.range(0) == 1 ? std::optional<std::string>(kHost) : std::nullopt;
  std::string out;
  for (auto _ : state) {
    tls::ClientSession session(ctx, sni);
    session.start();
    out.clear();
    session.take_output(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["hello_bytes"] = static_cast<double>(out.size());
  state.SetLabel(state.range(0) == 1 ? "with SNI" : "no SNI");
}
BENCHMARK(BM_ClientHello)->Arg(1)->Arg(0);

// One server connection over memory BIOs.
class MemoryServer {
 public:
  explicit MemoryServer(SSL_CTX* ctx) : ssl_(SSL_new(ctx)) {
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl_.get(), in, out);
    SSL_set_accept_state(ssl_.get());
    in_ = in;
    out_ = out;
  }
  // Feeds what the client sent, runs the server's handshake, returns what it answers.
  void exchange(const std::string& from_client, std::string& to_client) {
    BIO_write(in_, from_client.data(), static_cast<int>(from_client.size()));
    SSL_do_handshake(ssl_.get());
    char* data = nullptr;
    long len = BIO_get_mem_data(out_, &data);
    to_client.assign(data, len > 0 ? static_cast<size_t>(len) : 0);
    (void)BIO_reset(out_);
  }

 private:
  tls::SslPtr ssl_;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
};

// What the worker does once a handshake is done, minus the socket: the same calls as
// EndpointJob::handshake_succeeded() and finish().
size_t basic_depth_work(tls::ClientSession& session, std::string& record) {
  SSL* ssl = session.ssl();
  scanner::EndpointResult r = base_result("127.1.0.7");
  tls::Negotiated n = tls::read_negotiated(ssl);
  scanner::TlsInfo info;
  info.version = std::move(n.version);
  info.cipher = std::move(n.cipher);
  info.group = std::move(n.group);
  info.alpn = std::move(n.alpn);
  r.tls = std::move(info);
  if (X509* leaf = SSL_get0_peer_certificate(ssl)) r.cert = tls::analyze_cert(leaf, kNow);
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    r.chain = tls::analyze_chain(chain, pki().store.get(), std::string(kHost), std::nullopt, kNow);
  }
  scanner::FindingOptions options;
  options.now_unix = kNow;
  r.findings = scanner::evaluate_findings(r, options);
  record.clear();
  output::append_native_record(r, record);
  return r.findings.size() + (r.chain && r.chain->trusted ? 0 : 100);
}

// A full handshake, client and server in one thread; only the client's calls are timed
// (manual time), so the figure is client CPU per handshake. Args: key (0 = ECDSA P-256,
// 1 = RSA-2048), analysis (0 = handshake only, 1 = plus basic depth's work after it).
void BM_ClientHandshake(benchmark::State& state) {
  std::unique_ptr<tls::ClientContexts> contexts = client_contexts();
  tls::SslCtxPtr server = server_context(static_cast<int>(state.range(0)));
  if (!contexts || !server) {
    state.SkipWithError("cannot build the contexts");
    return;
  }
  const bool analyse = state.range(1) == 1;
  const std::optional<std::string> sni = std::string(kHost);
  std::string to_server, to_client, record;
  for (auto _ : state) {
    MemoryServer peer(server.get());
    Clock::duration client_time{};
    Clock::time_point t0 = Clock::now();
    tls::ClientSession session(contexts->modern(), sni);
    tls::ClientSession::State s = session.start();
    to_server.clear();
    session.take_output(to_server);
    client_time += Clock::now() - t0;
    for (int round = 0; round < 8 && s == tls::ClientSession::State::kHandshaking; ++round) {
      peer.exchange(to_server, to_client);
      t0 = Clock::now();
      s = session.feed(to_client.data(), to_client.size());
      to_server.clear();
      session.take_output(to_server);
      client_time += Clock::now() - t0;
    }
    if (s != tls::ClientSession::State::kDone) {
      state.SkipWithError("the in-memory handshake did not complete");
      break;
    }
    if (analyse) {
      t0 = Clock::now();
      if (basic_depth_work(session, record) != 0) state.SkipWithError("unexpected findings");
      client_time += Clock::now() - t0;
    }
    state.SetIterationTime(std::chrono::duration<double>(client_time).count());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(state.range(0) == 0 ? "ecdsa p-256" : "rsa-2048") +
                 (analyse ? ", + analysis, findings, record" : ", handshake only"));
}
BENCHMARK(BM_ClientHandshake)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tlsfleet::bench
