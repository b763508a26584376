// What a finished handshake negotiated, read off the SSL object as plain data.
#pragma once

#include <openssl/ssl.h>

#include <optional>
#include <string>

namespace tlsfleet::tls {

struct Negotiated {
  std::string version;               // "TLSv1.0" .. "TLSv1.3", "SSLv3"
  std::string cipher;                // IANA name, e.g. "TLS_AES_128_GCM_SHA256"
  std::optional<std::string> group;  // IANA group name, e.g. "X25519", "secp256r1"
  // Finite-field DHE (a TLS <= 1.2 DHE suite, or a TLS 1.3 ffdhe group): the size of the
  // server's prime in bits, RFC 7919 group or not; absent for any other key exchange.
  std::optional<int> dh_bits;
  std::optional<std::string> alpn;  // selected protocol, when any
  bool ocsp_stapled = false;
};

// Precondition: the handshake on ssl completed.
Negotiated read_negotiated(SSL* ssl);

// SCHEMA.md's version names for OpenSSL's protocol version numbers ("TLSv1.0" for
// TLS1_VERSION); "unknown" for others.
std::string version_name(int version);

}  // namespace tlsfleet::tls
