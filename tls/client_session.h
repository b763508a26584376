// ClientSession: one TLS client handshake over memory BIOs. Bytes from the peer go in
// with feed(); bytes to send come out of take_output(). No sockets: unit tests and
// fuzzers drive it with canned transcripts, the scanner drives it from libuv.
//
// A probe that needs only part of the handshake sets a stop point: the session then hands
// OpenSSL the server's records one at a time (and the clear-text handshake records one
// message at a time, so a ServerHello packed with the rest of the flight is still seen
// alone) and reports kDone as soon as the point is reached, without the key exchange,
// signature checks or Finished that would follow. What it holds back is kept, so
// proceed() can still finish the handshake when the ServerHello shows it is worth it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tls/ossl_ptr.h"
#include "tls/probe_session.h"

namespace tlsfleet::tls {

class Tls13Peek;

// How far a handshake goes before the session reports kDone.
enum class StopPoint {
  kFinished,     // the whole handshake (the default)
  kServerHello,  // the ServerHello (not a HelloRetryRequest) is processed: the version, the
                 // suite and whether the offered session was resumed are known
  kCertificate,  // the server's Certificate message is read: its leaf is peer_leaf()
};

class ClientSession : public ProbeSession {
 public:
  // sni: the server name to send, or nullopt to send none. resume: a session of an
  // earlier connection to offer for resumption (borrowed), or nullptr.
  ClientSession(SSL_CTX* ctx, const std::optional<std::string>& sni, SSL_SESSION* resume = nullptr);
  ~ClientSession() override;
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Stop the handshake early (before start()). Without a stop point it runs to the end.
  void set_stop_point(StopPoint point);

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
  // The handshake resumed the offered session (known from the ServerHello on).
  bool reused() const;
  // The negotiated version (OpenSSL number), from the ServerHello on.
  int version() const;
  // Where a kDone session stopped: kFinished when the handshake completed.
  StopPoint stopped_at() const { return stopped_at_; }
  // After an early stop: goes on with what was held back, to the end of the handshake.
  State proceed();
  // The server's leaf certificate: the peer certificate of a finished handshake, or the
  // first certificate of the Certificate message when stopped at kCertificate. nullptr
  // when the server sent none (yet).
  X509* peer_leaf() const;
  // The DER encoding of peer_leaf(), without parsing it when it was read early ("" when
  // none).
  std::string peer_leaf_der() const;

 private:
  State advance();
  State fail(FailureKind kind, std::string detail, int alert = -1);
  State classify_prefix();
  static void info_callback(const SSL* ssl, int where, int ret);
  static int new_session_callback(SSL* ssl, SSL_SESSION* session);
  friend void enable_session_capture(SSL_CTX* ctx);
  friend void enable_certificate_peek(SSL_CTX* ctx);
  void read_post_handshake();
  static void keylog_callback(const SSL* ssl, const char* line);
  static void msg_callback(int write_p, int version, int content_type, const void* buf, size_t len,
                           SSL* ssl, void* arg);
  State deliver(const char* data, size_t len);
  State pump();
  State feed_message(const std::string& message);
  void write_records(uint8_t type, const char* data, size_t len);
  State stop(StopPoint point);
  bool resumed_tls13_hello(const std::string& message) const;

  SslPtr ssl_;
  SslSessionPtr session_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  State state_ = State::kHandshaking;
  HandshakeFailure failure_;
  int alert_received_ = -1;
  bool first_bytes_checked_ = false;
  std::string prefix_;  // the first bytes, held until five are here to classify

  // Early stop (see the top of the file).
  StopPoint stop_point_ = StopPoint::kFinished;
  StopPoint stopped_at_ = StopPoint::kFinished;
  std::string records_;                 // bytes received and not yet given to OpenSSL
  std::string handshake_;               // clear-text handshake bytes not yet given to OpenSSL
  uint8_t record_version_[2] = {3, 1};  // of the clear-text records, for re-framing
  bool server_hello_seen_ = false;      // a ServerHello (not a HelloRetryRequest) was given
  bool encrypted_ = false;              // the server's handshake records are no longer clear
  std::string leaf_der_;                // the first certificate of the Certificate message
  int key_share_group_ = -1;            // the group of our ClientHello's key share, if any
  bool resumed_by_hello_ = false;       // a TLS 1.3 ServerHello, read here, took our ticket
  bool hello_retried_ = false;          // the server sent a HelloRetryRequest
  mutable X509Ptr leaf_;                // leaf_der_ parsed
  std::unique_ptr<Tls13Peek> peek_;     // TLS 1.3, kCertificate: reads the encrypted flight
};

// Makes every ClientSession on ctx keep the sessions its server hands out (session()),
// without the context caching them.
void enable_session_capture(SSL_CTX* ctx);

// Lets a ClientSession on ctx that stops at kCertificate read a TLS 1.3 certificate from
// the encrypted records itself (by the server handshake traffic secret, from a key log
// callback), before OpenSSL parses the chain and checks the CertificateVerify. Without
// it, OpenSSL processes the Certificate message and the session stops right after.
void enable_certificate_peek(SSL_CTX* ctx);

// Drains OpenSSL's thread-local error queue into one reason string ("" when empty).
std::string drain_error_queue();

}  // namespace tlsfleet::tls
