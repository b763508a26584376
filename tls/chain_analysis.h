// Chain analysis: what the server sent, whether it verifies against the trust store, and
// whether it is complete and in order (SCHEMA.md's `chain` object).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tls/cert_info.h"

namespace tlsfleet::tls {

// Analyses the certificates a server sent, leaf first (SSL_get_peer_cert_chain on a
// client), verifying them as a TLS client would (purpose "ssl_server") against trust at
// now_unix. Promises:
// - served lists every certificate in the order sent; the caller's stack is not changed;
// - outcome says why verification failed, verify_error is OpenSSL's text for it;
// - complete is decided without regard to time (an expired chain can be complete); it is
//   false when an issuer is missing, or when verification only succeeded through an
//   intermediate that came from the trust store instead of the server; a self-signed leaf
//   is complete;
// - ordered: each served certificate is issued by the next one;
// - hostname_match checks host when set (a trailing dot ignored, wildcards allowed, the
//   subject CN consulted only when the leaf has no DNS SAN, as OpenSSL clients do), else ip,
//   else stays null; it is also null when OpenSSL cannot decide (malformed name);
// - a null or empty stack yields no served certificate, trusted false, complete false,
//   ordered true and a verify_error; a null trust store trusts nothing.
ChainInfo analyze_chain(STACK_OF(X509) * served, X509_STORE* trust,
                        const std::optional<std::string>& host,
                        const std::optional<std::string>& ip, int64_t now_unix);

}  // namespace tlsfleet::tls
