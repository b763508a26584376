#include "tls/client_session.h"

#include <openssl/err.h>

#include <cstring>

#include "tls/first_bytes.h"

namespace tlsfleet::tls {


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

ClientSession::ClientSession(SSL_CTX* ctx, const std::optional<std::string>& sni,
                             SSL_SESSION* resume)
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
  if (resume) SSL_set_session(ssl_.get(), resume);
}

void enable_session_capture(SSL_CTX* ctx) {
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &ClientSession::new_session_callback);
}

int ClientSession::new_session_callback(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<ClientSession*>(SSL_get_app_data(ssl));
  if (!self) return 0;
  self->session_.reset(session);  // returning 1 hands us the reference
  return 1;
}

bool ClientSession::has_ticket() const {
  return session_ && SSL_SESSION_has_ticket(session_.get()) == 1;
}

bool ClientSession::reused() const { return ssl_ && SSL_session_reused(ssl_.get()) == 1; }

void ClientSession::read_post_handshake() {
  char discard[4096];
  ERR_clear_error();
  while (SSL_read(ssl_.get(), discard, sizeof discard) > 0) {
  }
  ERR_clear_error();
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
  if (state_ == State::kDone && len > 0) {
    BIO_write(rbio_, data, static_cast<int>(len));
    read_post_handshake();
    return state_;
  }
  if (state_ != State::kHandshaking || len == 0) return state_;
  if (!first_bytes_checked_) {
    // Decide "TLS or not" on the first five bytes, however the peer dribbles them.
    prefix_.append(data, len);
    if (prefix_.size() < kFirstBytesWanted) return state_;
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
  if (auto failure = classify_first_bytes(prefix_)) {
    return fail(failure->kind, std::move(failure->detail));
  }
  return state_;
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
    read_post_handshake();  // a ticket may already be buffered behind the Finished
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
