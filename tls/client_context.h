#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {

// The client profiles probes use. Each SSL_CTX is built the first time it is asked for,
// not with the set: with OpenSSL 3.0 an SSL_CTX costs about 6 M instructions (it fetches
// every cipher and digest of its library context), so a set of five built up front cost
// each worker 30 M (some 10 ms here) before its first lookup, and every basic-depth scan
// paid for four profiles it never uses. A scan whose names all fail DNS builds none.
//
// Any thread may ask; the first one to ask for a profile builds it, once (std::call_once).
class ClientContexts {
 public:
  // library: the OpenSSL library context the SSL_CTXs live in; null for OpenSSL's default.
  explicit ClientContexts(LibCtxPtr library);
  ~ClientContexts();
  ClientContexts(const ClientContexts&) = delete;
  ClientContexts& operator=(const ClientContexts&) = delete;

  // The main handshake: TLS 1.2 and 1.3, ALPN h2/http/1.1, an OCSP status request,
  // session tickets.
  SSL_CTX* modern() const { return get(kModern); }
  // The modern profile again, for the no-SNI probe: the same hello, plus the key log
  // callback through which that probe reads a TLS 1.3 certificate early
  // (enable_certificate_peek). Kept apart because OpenSSL formats every secret for a key
  // log callback, which would cost every main handshake about 3%.
  SSL_CTX* no_sni() const { return get(kNoSni); }
  // The legacy profiles: a highest version pinned, every suite OpenSSL has, no tickets.
  SSL_CTX* tls10() const { return get(kTls10); }  // TLS 1.0 only
  SSL_CTX* tls11() const { return get(kTls11); }  // TLS 1.0 - 1.1
  SSL_CTX* tls12() const { return get(kTls12); }  // TLS 1.0 - 1.2
  // The legacy context whose highest version is max_version (TLS1_VERSION ..
  // TLS1_2_VERSION); nullptr for others.
  SSL_CTX* up_to(int max_version) const;

  // Each returns nullptr when OpenSSL refused to build the profile; error() says why.
  // error() and built() read what has been built: call them from the thread that asked, or
  // once no other thread can be building a profile.
  std::string error() const;
  // How many profiles have been built so far.
  int built() const;
  // Null when the SSL_CTXs live in OpenSSL's default library context.
  OSSL_LIB_CTX* library() const { return library_.get(); }

 private:
  enum Profile { kModern, kNoSni, kTls10, kTls11, kTls12, kProfiles };
  struct Slot {
    std::once_flag once;
    SslCtxPtr ctx;
    std::string error;
  };

  SSL_CTX* get(Profile profile) const;

  // Declared first, so it is freed after the SSL_CTXs that live in it.
  LibCtxPtr library_;
  mutable std::array<Slot, kProfiles> slots_;
};

// Returns nullptr and sets *error when OpenSSL cannot make a library context.
// own_library: the contexts live in an OpenSSL library context of their own, so the
// algorithms every handshake fetches (and their reference counts and method-store locks)
// are this set's alone. Each scan worker takes such a set (scanner/worker.h): with
// OpenSSL 3.0, threads sharing one set share those on every handshake.
std::unique_ptr<ClientContexts> make_client_contexts(std::string* error, bool own_library = false);

// The ALPN list the modern profile offers, in wire format.
extern const unsigned char kAlpnH2Http11[];
extern const unsigned int kAlpnH2Http11Length;

}  // namespace tlsfleet::tls
