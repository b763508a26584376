// The SSL_CTX every main handshake uses, built once per scan and shared read-only by all
// workers: a modern ClientHello (TLS 1.2 and 1.3, ALPN h2/http/1.1, OCSP status request)
// at security level 0, so that weak servers still complete a handshake we can report on.
#pragma once

#include <string>

#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {

// Returns nullptr and sets *error when OpenSSL refuses the configuration.
SslCtxPtr make_modern_client_context(std::string* error);

// The ALPN list the modern profile offers, in wire format.
extern const unsigned char kAlpnH2Http11[];
extern const unsigned int kAlpnH2Http11Length;

}  // namespace tlsfleet::tls
