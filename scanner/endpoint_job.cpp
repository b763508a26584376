#include "scanner/endpoint_job.h"

#include <uv.h>

#include <openssl/err.h>

#include <chrono>

#include "scanner/findings.h"
#include "tls/cert_analysis.h"
#include "tls/chain_analysis.h"
#include "tls/negotiated.h"

namespace tlsfleet::scanner {

namespace {

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

ErrorKind connect_error_kind(int status) {
  switch (status) {
    case UV_ECONNREFUSED: return ErrorKind::kConnectionRefused;
    case UV_ETIMEDOUT: return ErrorKind::kConnectTimeout;
    case UV_ECONNRESET: return ErrorKind::kConnectionReset;
    case UV_EHOSTUNREACH:
    case UV_ENETUNREACH:
    case UV_EHOSTDOWN:
    case UV_ENETDOWN:
    case UV_EADDRNOTAVAIL:
    case UV_EACCES:
    case UV_EPERM: return ErrorKind::kHostUnreachable;
    default: return ErrorKind::kInternal;
  }
}

}  // namespace

EndpointJob::EndpointJob(JobHost& host, EndpointSpec spec) : host_(host), spec_(std::move(spec)) {
  result_.target = spec_.target;
  result_.host = spec_.host;
  result_.ip = spec_.ip.to_string();
  result_.port = spec_.port;
  result_.sni = spec_.sni;
  result_.timing.dns_ms = spec_.dns_ms;
}

double EndpointJob::ms_since(uint64_t start_ns) const {
  return static_cast<double>(uv_hrtime() - start_ns) / 1e6;
}

void EndpointJob::start() {
  start_ns_ = uv_hrtime();
  connect();
}

void EndpointJob::connect() {
  state_ = State::kConnecting;
  ++attempts_;
  ++result_.connections;
  attempt_start_ns_ = uv_hrtime();
  connection_ = std::make_unique<net::TcpConnection>(host_.loop(), this);
  auto timeout_ms = static_cast<uint64_t>(host_.options().timeout_s * 1000.0);
  int rc = connection_->connect(spec_.ip, spec_.port, timeout_ms > 0 ? timeout_ms : 1);
  if (rc != 0) {
    if (rc == UV_EMFILE || rc == UV_ENFILE) {
      fail(ErrorKind::kInternal, "out of file descriptors: lower --concurrency");
    } else {
      fail(connect_error_kind(rc), std::string("connect failed: ") + uv_strerror(rc));
    }
  }
}

void EndpointJob::on_connected(int status) {
  if (state_ != State::kConnecting) return;
  if (status != 0) {
    ErrorKind kind = connect_error_kind(status);
    if (kind == ErrorKind::kConnectTimeout && attempts_ <= host_.options().retries) {
      host_.retire(std::move(connection_));
      connect();
      return;
    }
    fail(kind, std::string("connect failed: ") + uv_strerror(status));
    return;
  }
  result_.timing.connect_ms = ms_since(attempt_start_ns_);
  state_ = State::kHandshaking;
  handshake_start_ns_ = uv_hrtime();
  session_ = std::make_unique<tls::ClientSession>(host_.client_context(), spec_.sni);
  handshake_progress(session_->start());
}

void EndpointJob::on_data(const char* data, size_t len) {
  if (state_ != State::kHandshaking) return;
  bytes_read_ += len;
  if (bytes_read_ > host_.options().max_read_bytes) {
    fail(ErrorKind::kReadLimit, "the server sent more than " +
                                    std::to_string(host_.options().max_read_bytes) +
                                    " bytes without finishing the handshake");
    return;
  }
  handshake_progress(session_->feed(data, len));
}

void EndpointJob::on_read_end(int status) {
  if (state_ != State::kHandshaking) return;
  if (status == UV_EOF) {
    handshake_progress(session_->on_eof());
    return;
  }
  if (status == UV_ECONNRESET) {
    fail(ErrorKind::kConnectionReset, "the server reset the connection during the handshake");
    return;
  }
  fail(ErrorKind::kConnectionReset, std::string("read failed: ") + uv_strerror(status));
}

void EndpointJob::on_deadline() {
  if (state_ == State::kConnecting) {
    if (attempts_ <= host_.options().retries) {
      host_.retire(std::move(connection_));
      connect();
      return;
    }
    fail(ErrorKind::kConnectTimeout, "no answer to the TCP connect within the deadline");
    return;
  }
  if (state_ == State::kHandshaking) {
    fail(ErrorKind::kHandshakeTimeout, "the TLS handshake did not finish within the deadline (" +
                                           std::to_string(bytes_read_) + " bytes received)");
  }
}

void EndpointJob::send_pending() {
  outgoing_.clear();
  if (session_->take_output(outgoing_) > 0) connection_->write(std::move(outgoing_));
}

void EndpointJob::handshake_progress(tls::ClientSession::State state) {
  send_pending();
  switch (state) {
    case tls::ClientSession::State::kHandshaking: return;
    case tls::ClientSession::State::kDone: handshake_succeeded(); return;
    case tls::ClientSession::State::kFailed: handshake_failed(); return;
  }
}

void EndpointJob::handshake_succeeded() {
  result_.timing.handshake_ms = ms_since(handshake_start_ns_);
  SSL* ssl = session_->ssl();
  tls::Negotiated n = tls::read_negotiated(ssl);
  TlsInfo info;
  info.version = std::move(n.version);
  info.cipher = std::move(n.cipher);
  info.group = std::move(n.group);
  info.alpn = std::move(n.alpn);
  info.ocsp_stapled = n.ocsp_stapled;
  result_.tls = std::move(info);

  int64_t now = now_unix_ms() / 1000;
  if (X509* leaf = SSL_get0_peer_certificate(ssl)) result_.cert = tls::analyze_cert(leaf, now);
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl); chain && sk_X509_num(chain) > 0) {
    std::optional<std::string> name = spec_.sni ? spec_.sni : spec_.host;
    std::optional<std::string> ip;
    if (!name) ip = result_.ip;
    result_.chain = tls::analyze_chain(chain, host_.trust_store(), name, ip, now);
  }
  // Say goodbye properly; the bytes go out with the close.
  ERR_clear_error();
  SSL_shutdown(ssl);
  send_pending();
  finish();
}

void EndpointJob::handshake_failed() {
  const tls::HandshakeFailure& f = session_->failure();
  switch (f.kind) {
    case tls::FailureKind::kAlert: fail(ErrorKind::kAlert, f.detail, f.alert); return;
    case tls::FailureKind::kPlaintextHttp: fail(ErrorKind::kPlaintextHttp, f.detail); return;
    case tls::FailureKind::kNotTls: fail(ErrorKind::kNotTls, f.detail); return;
    case tls::FailureKind::kClosed: fail(ErrorKind::kConnectionClosed, f.detail); return;
    case tls::FailureKind::kInternal: fail(ErrorKind::kInternal, f.detail); return;
    case tls::FailureKind::kProtocolError:
    case tls::FailureKind::kNone: fail(ErrorKind::kProtocolError, f.detail); return;
  }
}

void EndpointJob::fail(ErrorKind kind, std::string detail, int alert) {
  set_error(result_, kind, std::move(detail), alert);
  finish();
}

void EndpointJob::cancel() {
  if (state_ == State::kDone) return;
  ErrorStage stage = state_ == State::kHandshaking ? ErrorStage::kTls : ErrorStage::kConnect;
  set_error(result_, ErrorKind::kCancelled, "the scan was interrupted before this endpoint finished");
  result_.error->stage = stage;  // cancelled in whichever stage it had reached
  finish();
}

void EndpointJob::finish() {
  if (state_ == State::kDone) return;
  state_ = State::kDone;
  if (connection_) {
    connection_->close();
    host_.retire(std::move(connection_));
  }
  session_.reset();
  result_.timing.total_ms = ms_since(start_ns_) + result_.timing.dns_ms.value_or(0);
  result_.finished_unix_ms = now_unix_ms();
  FindingOptions options;
  options.expiry_warn_days = host_.options().expiry_warn_days;
  options.now_unix = result_.finished_unix_ms / 1000;
  result_.findings = evaluate_findings(result_, options);
  host_.job_done(this, std::move(result_));
}

}  // namespace tlsfleet::scanner
