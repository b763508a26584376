// ProbeSession: one probe's conversation with a server over one connection, as bytes in
// and bytes out (no sockets). The scanner runs every probe the same way: start(), send
// take_output(), feed() what arrives, on_eof() when the peer closes, until the state is
// no longer kHandshaking. Variants: ClientSession (a real OpenSSL handshake, to the end or
// to a stop point such as the ServerHello) and RawHelloSession (a hand-built ClientHello
// whose reply is parsed, then dropped).
#pragma once

#include <cstddef>
#include <string>

namespace tlsfleet::tls {

// Why a probe did not complete, in terms the scanner maps to SCHEMA.md codes.
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

class ProbeSession {
 public:
  enum class State { kHandshaking, kDone, kFailed };

  virtual ~ProbeSession() = default;
  // Writes the first flight (the ClientHello). Call once, then take_output().
  virtual State start() = 0;
  // Consumes bytes received from the peer.
  virtual State feed(const char* data, size_t len) = 0;
  // The peer closed its side (EOF).
  virtual State on_eof() = 0;
  // Appends the bytes waiting to be sent to out; returns the count.
  virtual size_t take_output(std::string& out) = 0;
  virtual State state() const = 0;
  virtual const HandshakeFailure& failure() const = 0;
};

}  // namespace tlsfleet::tls
