// RawHelloSession: a probe that sends a prepared ClientHello (build_client_hello,
// build_sslv2_client_hello) and reads only the server's first reply. It is done as soon
// as a ServerHello, HelloRetryRequest or SSLv2 SERVER-HELLO is parsed; the scanner then
// drops the connection. No key exchange ever happens on our side, so it can probe what
// the local OpenSSL cannot speak (SSLv2, SSLv3, EXPORT, RC4, DES, NULL, anon suites...).
#pragma once

#include <cstddef>
#include <string>

#include "tls/probe_session.h"
#include "tls/server_hello.h"

namespace tlsfleet::tls {

struct RawHelloOptions {
  ParserOptions parser;
  // Bytes accepted from the peer before giving up on a reply (a peer that streams
  // without ever forming a ServerHello must not be buffered forever).
  size_t max_bytes = 64 * 1024;
};

class RawHelloSession : public ProbeSession {
 public:
  explicit RawHelloSession(std::string client_hello, RawHelloOptions options = {});
  RawHelloSession(const RawHelloSession&) = delete;
  RawHelloSession& operator=(const RawHelloSession&) = delete;

  // Queues the ClientHello. kFailed (kInternal) when it is empty, i.e. the builder
  // refused the spec.
  State start() override;
  State feed(const char* data, size_t len) override;
  State on_eof() override;
  size_t take_output(std::string& out) override;
  State state() const override { return state_; }
  // kAlert (with the alert number; an SSLv2 ERROR maps to its TLS analogue: NO-CIPHER is
  // handshake_failure), kPlaintextHttp, kNotTls, kProtocolError, kClosed.
  const HandshakeFailure& failure() const override { return failure_; }

  // What the server answered. Complete when kDone; when kFailed, holds what was seen.
  const ServerReply& reply() const { return parser_.reply(); }
  size_t bytes_received() const { return parser_.bytes_fed(); }

 private:
  State settle();
  State fail(FailureKind kind, std::string detail, int alert = -1);

  std::string output_;
  RawHelloOptions options_;
  ServerReplyParser parser_;
  State state_ = State::kHandshaking;
  HandshakeFailure failure_;
  bool started_ = false;
};

}  // namespace tlsfleet::tls
