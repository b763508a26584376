// ClientSession: one TLS client handshake over memory BIOs. Bytes from the peer go in
// with feed(); bytes to send come out of take_output(). No sockets: unit tests and
// fuzzers drive it with canned transcripts, the scanner drives it from libuv.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {

// Why a handshake did not complete, in terms the scanner maps to SCHEMA.md codes.
enum class FailureKind {
  kNone,
  kAlert,          // the peer sent a fatal alert (alert says which)
  kPlaintextHttp,  // the peer answered with clear-text HTTP
  kNotTls,         // the peer sent bytes that are not a TLS record
  kProtocolError,  // malformed or unexpected TLS
  kClosed,         // the peer closed before the handshake finished
  kInternal,       // our side: OpenSSL could not be set up
};

struct HandshakeFailure {
  FailureKind kind = FailureKind::kNone;
  int alert = -1;      // TLS alert description, for kAlert
  std::string detail;  // one human sentence, OpenSSL's reason where it has one
};

class ClientSession {
 public:
  enum class State { kHandshaking, kDone, kFailed };

  // sni: the server name to send, or nullopt to send none.
  ClientSession(SSL_CTX* ctx, const std::optional<std::string>& sni);
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Writes the ClientHello. Call once, then take_output().
  State start();
  // Consumes bytes received from the peer and advances the handshake.
  State feed(const char* data, size_t len);
  // The peer closed its side (EOF).
  State on_eof();
  // Moves the bytes waiting to be sent into out (appends). Returns the count.
  size_t take_output(std::string& out);

  State state() const { return state_; }
  const HandshakeFailure& failure() const { return failure_; }
  // The live SSL object, for reading the negotiated parameters once kDone.
  SSL* ssl() const { return ssl_.get(); }

 private:
  State advance();
  State fail(FailureKind kind, std::string detail, int alert = -1);
  State classify_prefix();
  static void info_callback(const SSL* ssl, int where, int ret);

  SslPtr ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  State state_ = State::kHandshaking;
  HandshakeFailure failure_;
  int alert_received_ = -1;
  bool first_bytes_checked_ = false;
  std::string prefix_;  // the first bytes, held until five are here to classify
};

// Drains OpenSSL's thread-local error queue into one reason string ("" when empty).
std::string drain_error_queue();

}  // namespace tlsfleet::tls
