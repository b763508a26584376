// Hand-built ClientHellos: the bytes of a first flight that offers exactly what a probe
// wants (any suite, any version from SSLv3 up, any group), including what the local
// OpenSSL cannot negotiate. We only ever read the server's first reply, so nothing here
// computes a key: a key share, when one is sent, is a valid-looking placeholder.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tls/iana_registry.h"

namespace tlsfleet::tls {

// TLSPlaintext.length may not exceed 2^14 (RFC 8446 5.1, RFC 5246 6.2.1).
inline constexpr size_t kMaxRecordPayload = 16384;
// An SSLv2 record with a two-byte header holds at most 32767 bytes.
inline constexpr size_t kMaxSslv2Record = 32767;

struct KeyShareEntry {
  uint16_t group = 0;
  std::string key_exchange;  // the public value as sent on the wire
};

// A key share the server will accept as syntactically valid for group, without us holding
// its private key: random bytes for x25519/x448, the curve's generator point for
// secp256r1/384r1/521r1, the generator 2 for the ffdhe groups. nullopt for groups whose
// shares cannot be faked cheaply (ML-KEM and hybrids: send an empty key_share instead).
std::optional<KeyShareEntry> placeholder_key_share(uint16_t group);

// signature_algorithms broad enough for old servers: EdDSA, ECDSA, RSA-PSS, RSA-PKCS1
// and DSA with SHA-2, then SHA-224 and SHA-1.
const std::vector<uint16_t>& broad_signature_algorithms();

struct ClientHelloSpec {
  // ClientHello.legacy_version: kSsl3..kTls12. A TLS 1.3 probe says kTls12 here and lists
  // kTls13 in supported_versions.
  uint16_t version = kTls12;
  std::vector<uint16_t> cipher_suites;
  bool renegotiation_scsv = false;  // append TLS_EMPTY_RENEGOTIATION_INFO_SCSV

  // Caller-supplied random (tests, reproducible bytes); otherwise RAND_bytes.
  std::optional<std::array<uint8_t, 32>> random;
  // nullopt: 32 random bytes when supported_versions offers TLS 1.3 (middlebox
  // compatibility, RFC 8446 D.4), none otherwise. At most 32 bytes.
  std::optional<std::string> session_id;

  // No extension block at all (what SSLv3 clients sent). Overrides everything below.
  bool no_extensions = false;
  std::optional<std::string> sni;          // server_name, when set and non-empty
  std::vector<uint16_t> supported_groups;  // empty: extension omitted
  bool ec_point_formats = true;            // uncompressed only; sent with supported_groups
  std::vector<uint16_t> signature_algorithms = broad_signature_algorithms();  // empty: omitted
  std::vector<uint16_t> supported_versions;  // empty: omitted; e.g. {kTls13}
  // nullopt: no key_share extension; an empty vector: the extension with no share (draws a
  // HelloRetryRequest naming the server's group).
  std::optional<std::vector<KeyShareEntry>> key_shares;
  bool psk_key_exchange_modes = false;  // psk_dhe_ke; TLS 1.3 servers want it with key_share
  bool renegotiation_info = true;       // the empty renegotiation_info extension
  bool extended_master_secret = true;
  bool session_ticket = true;     // empty SessionTicket: "I support tickets"
  bool status_request = false;    // OCSP stapling
  std::vector<std::string> alpn;  // empty: omitted
  // Pads a ClientHello of 256..511 bytes to 512 (RFC 7685): some load balancers hang on
  // exactly that size.
  bool padding = true;
};

// The complete first flight: one or more handshake records (record version 0x0301, or
// 0x0300 for an SSLv3 hello) holding the ClientHello, split at kMaxRecordPayload. Returns
// an empty string when the spec cannot be encoded (more than 32767 suites, a session id
// over 32 bytes, a field over its length limit).
std::string build_client_hello(const ClientHelloSpec& spec);

// An SSL 2.0 CLIENT-HELLO (two-byte record header with the high bit set). version 0x0002
// asks for SSLv2; 0x0300/0x0301 makes it the SSLv2-compatible hello that also offers
// SSLv3/TLS suites as three-byte specs 0x00XXYY, so one connection answers "SSLv2 or
// SSLv3". challenge: 16..32 bytes, random when not given. Empty string when the specs
// do not fit one record or the challenge has the wrong size.
std::string build_sslv2_client_hello(uint16_t version, const std::vector<uint32_t>& cipher_specs,
                                     const std::optional<std::string>& challenge = std::nullopt);

// The TLS suites as SSLv2 cipher specs (0x00XXYY), for build_sslv2_client_hello.
std::vector<uint32_t> as_sslv2_specs(const std::vector<uint16_t>& suites);

// A probe hello for version (kSsl3..kTls13) with everything a server of that version
// expects, and no cipher suites yet: SSLv3 sends no extensions; TLS 1.0/1.1 add SNI,
// groups, point formats, renegotiation_info, EMS and tickets; TLS 1.2 adds
// signature_algorithms; TLS 1.3 adds supported_versions {1.3}, every TLS 1.3 group, an
// empty key_share and psk_key_exchange_modes.
ClientHelloSpec probe_spec(uint16_t version, const std::optional<std::string>& sni);

}  // namespace tlsfleet::tls
