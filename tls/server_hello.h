// Reading a server's first reply to a hand-built ClientHello, incrementally and without
// any key: a ServerHello (SSLv3 .. TLS 1.3), a HelloRetryRequest, an SSLv2 SERVER-HELLO,
// an alert, or bytes that are not TLS. Feed whatever arrives, however it is split; the
// parser buffers at most one record and one handshake message, refuses messages over
// its cap without buffering them, and never reads past what it was given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfleet::tls {

enum class ReplyKind {
  kIncomplete,         // more bytes are needed to say anything
  kServerHello,        // hello says what the server chose
  kHelloRetryRequest,  // TLS 1.3 HRR: hello.cipher_suite and hello.key_share_group
  kSslv2ServerHello,   // sslv2 says what the SSL 2.0 server offers
  kSslv2Error,         // an SSL 2.0 ERROR message (sslv2_error says which)
  kAlert,              // an alert ended the handshake before any ServerHello
  kPlaintextHttp,      // the first bytes are clear-text HTTP
  kNotTls,             // the first bytes are not a TLS or SSLv2 record
  kProtocolError,      // TLS records, but malformed, unexpected or over a cap (detail)
  kTruncated,          // the peer closed before a complete reply (finish())
};

// The TLS 1.3 downgrade sentinel in ServerHello.random (RFC 8446 4.1.3).
enum class DowngradeSentinel { kNone, kTls12, kTls11OrBelow };

struct ServerHello {
  uint16_t legacy_version = 0;
  // The negotiated version: supported_versions' selected_version when present, else
  // legacy_version.
  uint16_t version = 0;
  std::optional<uint16_t> selected_version;
  std::array<uint8_t, 32> random{};
  std::string session_id;
  uint16_t cipher_suite = 0;
  uint8_t compression = 0;
  std::vector<uint16_t> extensions;  // extension types, in the order received
  // TLS 1.3: the group of the server's key share; for a HelloRetryRequest, the group the
  // server asks for.
  std::optional<uint16_t> key_share_group;
  // The protocol ALPN selected. TLS <= 1.2 only: TLS 1.3 sends it encrypted.
  std::optional<std::string> alpn;
  DowngradeSentinel downgrade = DowngradeSentinel::kNone;

  bool has_extension(uint16_t type) const;
  bool secure_renegotiation() const { return has_extension(0xff01); }
  bool extended_master_secret() const { return has_extension(23); }
};

// What the rest of a TLS <= 1.2 first flight (Certificate .. ServerHelloDone) told, when
// the parser was asked to read it. Nothing is verified.
struct FirstFlight {
  bool complete = false;            // the ServerKeyExchange was parsed or ServerHelloDone arrived
  size_t certificate_bytes = 0;     // length of the Certificate message; 0 when none
  bool certificate_status = false;  // a CertificateStatus (stapled OCSP) was sent
  bool server_key_exchange = false;
  // ECDHE: the server's group (0xFF01/0xFF02 for explicit prime/char2 curve parameters).
  std::optional<uint16_t> named_curve;
  std::optional<size_t> dh_prime_bits;  // DHE: the size of the server's prime
  // DHE: the RFC 7919 group (ffdhe2048..8192, 256..260) whose prime the server sent;
  // nullopt for any other prime (the server's own group: dh_prime_bits says its size).
  std::optional<uint16_t> dh_group;
};

// The prime p of an RFC 7919 group (256..260: ffdhe2048..8192), big-endian without
// leading zeros; empty for any other code.
const std::string& ffdhe_prime(uint16_t group);
// The RFC 7919 group whose prime is p (big-endian, leading zero bytes ignored), or
// nullopt when p is no such prime.
std::optional<uint16_t> ffdhe_group_of_prime(std::string_view p);

struct Sslv2ServerHello {
  uint16_t version = 0;
  bool session_id_hit = false;
  uint8_t certificate_type = 0;
  size_t certificate_length = 0;
  std::vector<uint32_t> cipher_specs;  // three-byte specs, as listed
  size_t connection_id_length = 0;
};

struct Alert {
  uint8_t level = 0;  // 1 warning, 2 fatal
  uint8_t description = 0;
};

struct ServerReply {
  ReplyKind kind = ReplyKind::kIncomplete;
  std::optional<ServerHello> hello;         // kServerHello, kHelloRetryRequest
  std::optional<FirstFlight> first_flight;  // kServerHello, when read_first_flight
  std::optional<Sslv2ServerHello> sslv2;    // kSslv2ServerHello
  std::optional<uint16_t> sslv2_error;      // kSslv2Error: 1 NO-CIPHER, 2 NO-CERTIFICATE, ...
  // kAlert; with kServerHello, the alert that cut the first flight short.
  std::optional<Alert> alert;
  std::vector<Alert> warnings;  // warning alerts that did not end the handshake
  std::string detail;           // a sentence for every kind but kIncomplete
};

struct ParserOptions {
  // Keep reading a TLS <= 1.2 flight after the ServerHello, up to the ServerKeyExchange
  // or ServerHelloDone, for the ECDHE group or DH prime size. Messages not needed
  // (Certificate, CertificateStatus, CertificateRequest) are skipped, never buffered.
  bool read_first_flight = false;
  // The largest handshake message buffered (ServerHello, ServerKeyExchange).
  size_t max_message = 64 * 1024;
};

class ServerReplyParser {
 public:
  explicit ServerReplyParser(ParserOptions options = {});

  // Consumes bytes from the peer. Returns kIncomplete until it can say what the reply is;
  // after that, further bytes are ignored and the same kind is returned.
  ReplyKind feed(std::string_view bytes);
  // The peer closed: decides on what arrived (kTruncated when nothing decisive did; a
  // ServerHello whose first flight was cut short stays a kServerHello).
  ReplyKind finish();

  bool done() const { return reply_.kind != ReplyKind::kIncomplete; }
  const ServerReply& reply() const { return reply_; }
  size_t bytes_fed() const { return bytes_fed_; }

 private:
  ReplyKind conclude(ReplyKind kind, std::string detail);
  ReplyKind error(std::string detail) { return conclude(ReplyKind::kProtocolError, detail); }
  bool classify_start(bool at_eof);
  void parse_sslv2();
  void parse_records();
  void handle_record(uint8_t type, std::string_view payload);
  void handle_alert(std::string_view payload);
  void handle_handshake(std::string_view payload);
  void handle_message(uint8_t type, std::string_view body);
  void parse_server_hello(std::string_view body);
  void parse_server_key_exchange(std::string_view body);

  ParserOptions options_;
  ServerReply reply_;
  size_t bytes_fed_ = 0;
  enum class Framing { kUnknown, kTls, kSslv2 } framing_ = Framing::kUnknown;
  std::string in_;         // raw bytes not yet consumed (at most one record)
  std::string handshake_;  // reassembled handshake bytes not yet consumed
  std::string alert_;      // an alert split across records
  size_t skip_ = 0;        // bytes of a skipped handshake message still to discard
  bool have_hello_ = false;
};

}  // namespace tlsfleet::tls
