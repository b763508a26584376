// The SSL_CTXs probes use, built once per scan and shared read-only by all workers.
// The modern profile is the main handshake: TLS 1.2 and 1.3, ALPN h2/http/1.1, an OCSP
// status request, session tickets. The legacy profiles pin a highest version (TLS 1.0 to
// 1.2) and offer every suite OpenSSL has, without tickets, so a session they make can
// only resume by session ID. All run at security level 0, so weak servers still complete
// a handshake we can report on; verification happens afterwards, in chain analysis.
#pragma once

#include <memory>
#include <string>

#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {

struct ClientContexts {
  // The OpenSSL library context the SSL_CTXs below live in, when they have one of their
  // own (null: OpenSSL's default). Declared first, so it is freed after them.
  LibCtxPtr library;
  SslCtxPtr modern;
  // The modern profile again, for the no-SNI probe: the same hello, plus the key log
  // callback through which that probe reads a TLS 1.3 certificate early
  // (enable_certificate_peek). Kept apart because OpenSSL formats every secret for a key
  // log callback, which would cost every main handshake about 3%.
  SslCtxPtr no_sni;
  SslCtxPtr tls10;  // TLS 1.0 only
  SslCtxPtr tls11;  // TLS 1.0 - 1.1
  SslCtxPtr tls12;  // TLS 1.0 - 1.2

  // The legacy context whose highest version is max_version (TLS1_VERSION ..
  // TLS1_2_VERSION); nullptr for others.
  SSL_CTX* up_to(int max_version) const;
};

// Returns nullptr and sets *error when OpenSSL refuses the configuration.
// own_library: build the contexts in an OpenSSL library context of their own, so the
// algorithms every handshake fetches (and their reference counts and method-store locks)
// are this set's alone. Each scan worker takes such a set (scanner/worker.h): with
// OpenSSL 3.0, threads sharing one set share those on every handshake.
std::unique_ptr<ClientContexts> make_client_contexts(std::string* error, bool own_library = false);

// The ALPN list the modern profile offers, in wire format.
extern const unsigned char kAlpnH2Http11[];
extern const unsigned int kAlpnH2Http11Length;

}  // namespace tlsfleet::tls
