// ClientSession: one TLS client handshake over memory BIOs. Bytes from the peer go in
// with feed(); bytes to send come out of take_output(). No sockets: unit tests and
// fuzzers drive it with canned transcripts, the scanner drives it from libuv.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "tls/ossl_ptr.h"
#include "tls/probe_session.h"

namespace tlsfleet::tls {

class ClientSession : public ProbeSession {
 public:

  // sni: the server name to send, or nullopt to send none. resume: a session of an
  // earlier connection to offer for resumption (borrowed), or nullptr.
  ClientSession(SSL_CTX* ctx, const std::optional<std::string>& sni,
                SSL_SESSION* resume = nullptr);
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Writes the ClientHello. Call once, then take_output().
  State start() override;
  // Consumes bytes received from the peer and advances the handshake; once done, it
  // keeps reading post-handshake messages (TLS 1.3 session tickets) and discards data.
  State feed(const char* data, size_t len) override;
  // The peer closed its side (EOF).
  State on_eof() override;
  // Moves the bytes waiting to be sent into out (appends). Returns the count.
  size_t take_output(std::string& out) override;

  State state() const override { return state_; }
  const HandshakeFailure& failure() const override { return failure_; }
  // The live SSL object, for reading the negotiated parameters once kDone.
  SSL* ssl() const { return ssl_.get(); }
  // The newest session the server gave (needs enable_session_capture on the context).
  SSL_SESSION* session() const { return session_.get(); }
  // The server issued a session ticket (RFC 5077 or a TLS 1.3 NewSessionTicket).
  bool has_ticket() const;
  // The handshake resumed the offered session.
  bool reused() const;

 private:
  State advance();
  State fail(FailureKind kind, std::string detail, int alert = -1);
  State classify_prefix();
  static void info_callback(const SSL* ssl, int where, int ret);
  static int new_session_callback(SSL* ssl, SSL_SESSION* session);
  friend void enable_session_capture(SSL_CTX* ctx);
  void read_post_handshake();

  SslPtr ssl_;
  SslSessionPtr session_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  State state_ = State::kHandshaking;
  HandshakeFailure failure_;
  int alert_received_ = -1;
  bool first_bytes_checked_ = false;
  std::string prefix_;  // the first bytes, held until five are here to classify
};

// Makes every ClientSession on ctx keep the sessions its server hands out (session()),
// without the context caching them.
void enable_session_capture(SSL_CTX* ctx);

// Drains OpenSSL's thread-local error queue into one reason string ("" when empty).
std::string drain_error_queue();

}  // namespace tlsfleet::tls
