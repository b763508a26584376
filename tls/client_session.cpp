#include "tls/client_session.h"

#include <openssl/err.h>

#include <cstring>

namespace tlsfleet::tls {

namespace {

// A TLS record starts with a content type 20..24 and major version 3; an SSLv2-style
// record has the high bit of its first byte set. Anything else is not TLS.
bool looks_like_tls_record(const unsigned char* p, size_t len) {
  if (p[0] & 0x80) return true;
  if (p[0] < 20 || p[0] > 24) return false;
  return len < 2 || p[1] == 3;
}

}  // namespace

std::string drain_error_queue() {
  std::string reasons;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(code);
    if (!reasons.empty()) reasons += "; ";
    reasons += reason ? reason : "unknown OpenSSL error";
  }
  return reasons;
}

ClientSession::ClientSession(SSL_CTX* ctx, const std::optional<std::string>& sni)
    : ssl_(SSL_new(ctx)) {
  if (!ssl_) {
    fail(FailureKind::kInternal, "SSL_new failed: " + drain_error_queue());
    return;
  }
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  if (!rbio || !wbio) {
    BIO_free(rbio);
    BIO_free(wbio);
    fail(FailureKind::kInternal, "BIO_new failed");
    return;
  }
  // An empty read BIO means "no data yet" (retry), not end of file.
  BIO_set_mem_eof_return(rbio, -1);
  SSL_set0_rbio(ssl_.get(), rbio);
  SSL_set0_wbio(ssl_.get(), wbio);
  rbio_ = rbio;
  wbio_ = wbio;
  SSL_set_connect_state(ssl_.get());
  SSL_set_app_data(ssl_.get(), this);
  SSL_set_info_callback(ssl_.get(), &ClientSession::info_callback);
  if (sni && !sni->empty()) SSL_set_tlsext_host_name(ssl_.get(), sni->c_str());
}

void ClientSession::info_callback(const SSL* ssl, int where, int ret) {
  // SSL_CB_READ_ALERT is two bits; both must be set (a written alert has only one).
  if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT) return;
  auto* self = static_cast<ClientSession*>(SSL_get_app_data(ssl));
  // ret holds the alert level in its high byte and the description in its low byte.
  if (self && (ret >> 8) == SSL3_AL_FATAL) self->alert_received_ = ret & 0xff;
}

ClientSession::State ClientSession::start() {
  if (state_ != State::kHandshaking) return state_;
  return advance();
}

ClientSession::State ClientSession::feed(const char* data, size_t len) {
  if (state_ != State::kHandshaking || len == 0) return state_;
  if (!first_bytes_checked_) {
    // Decide "TLS or not" on the first five bytes, however the peer dribbles them.
    prefix_.append(data, len);
    if (prefix_.size() < 5) return state_;
    first_bytes_checked_ = true;
    if (classify_prefix() != State::kHandshaking) return state_;
    BIO_write(rbio_, prefix_.data(), static_cast<int>(prefix_.size()));
    prefix_.clear();
    prefix_.shrink_to_fit();
    return advance();
  }
  BIO_write(rbio_, data, static_cast<int>(len));
  return advance();
}

ClientSession::State ClientSession::classify_prefix() {
  const auto* p = reinterpret_cast<const unsigned char*>(prefix_.data());
  if (prefix_.empty() || looks_like_tls_record(p, prefix_.size())) return state_;
  // An HTTP server answers a ClientHello with a status line, or (HTTP/0.9-style, as some
  // do for a request line they cannot parse) straight with an HTML error page.
  if (prefix_.compare(0, 5, "HTTP/") == 0 || prefix_.compare(0, 5, "<!DOC") == 0 ||
      prefix_.compare(0, 5, "<html") == 0 || prefix_.compare(0, 5, "<HTML") == 0) {
    return fail(FailureKind::kPlaintextHttp, "the server answered in clear-text HTTP");
  }
  return fail(FailureKind::kNotTls, "the server sent bytes that are not a TLS record");
}

ClientSession::State ClientSession::on_eof() {
  if (state_ != State::kHandshaking) return state_;
  if (!first_bytes_checked_ && !prefix_.empty()) {
    first_bytes_checked_ = true;
    if (classify_prefix() != State::kHandshaking) return state_;
    BIO_write(rbio_, prefix_.data(), static_cast<int>(prefix_.size()));
    advance();
    if (state_ != State::kHandshaking) return state_;
  }
  if (alert_received_ >= 0) {
    return fail(FailureKind::kAlert, "the server sent a fatal alert", alert_received_);
  }
  return fail(FailureKind::kClosed, "the server closed the connection during the handshake");
}

size_t ClientSession::take_output(std::string& out) {
  if (!wbio_) return 0;
  char* data = nullptr;
  long len = BIO_get_mem_data(wbio_, &data);
  if (len <= 0) return 0;
  out.append(data, static_cast<size_t>(len));
  (void)BIO_reset(wbio_);
  return static_cast<size_t>(len);
}

ClientSession::State ClientSession::advance() {
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    state_ = State::kDone;
    return state_;
  }
  int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
  std::string reason = drain_error_queue();
  if (alert_received_ >= 0) {
    return fail(FailureKind::kAlert,
                "the server sent a fatal alert" + (reason.empty() ? "" : ": " + reason),
                alert_received_);
  }
  if (reason.find("wrong version number") != std::string::npos) {
    return fail(FailureKind::kNotTls, "the server did not answer with TLS: " + reason);
  }
  return fail(FailureKind::kProtocolError,
              reason.empty() ? "the handshake failed" : "the handshake failed: " + reason);
}

ClientSession::State ClientSession::fail(FailureKind kind, std::string detail, int alert) {
  state_ = State::kFailed;
  failure_.kind = kind;
  failure_.alert = alert;
  failure_.detail = std::move(detail);
  return state_;
}

}  // namespace tlsfleet::tls
