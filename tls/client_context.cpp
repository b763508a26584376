#include "tls/client_context.h"

#include "tls/client_session.h"

namespace tlsfleet::tls {

const unsigned char kAlpnH2Http11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
const unsigned int kAlpnH2Http11Length = sizeof kAlpnH2Http11;

namespace {

SslCtxPtr make_context(OSSL_LIB_CTX* libctx, int min_version, int max_version, const char* ciphers,
                       bool tickets, std::string* error) {
  SslCtxPtr ctx(SSL_CTX_new_ex(libctx, nullptr, TLS_client_method()));
  if (!ctx) {
    *error = "SSL_CTX_new failed";
    return nullptr;
  }
  // Nothing may fail the handshake on our side: the scanner reports on whatever the
  // server presents. Security level 0 lets small keys, SHA-1 and old versions through.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  // With SSL_VERIFY_NONE libssl still runs X509_verify_cert on the served chain (against
  // this context's empty store) and ignores the result; chain analysis verifies against
  // the real store afterwards. Skipping it saves about 1% of a basic-depth endpoint.
  SSL_CTX_set_cert_verify_callback(
      ctx.get(), [](X509_STORE_CTX*, void*) { return 1; }, nullptr);
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_min_proto_version(ctx.get(), min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  if (SSL_CTX_set_cipher_list(ctx.get(), ciphers) != 1) {
    *error = std::string("cannot set the cipher list ") + ciphers;
    return nullptr;
  }
  if (SSL_CTX_set_alpn_protos(ctx.get(), kAlpnH2Http11, kAlpnH2Http11Length) != 0) {
    *error = "cannot set ALPN";
    return nullptr;
  }
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_LEGACY_SERVER_CONNECT |
                                     (tickets ? 0 : SSL_OP_NO_TICKET));
  SSL_CTX_set_tlsext_status_type(ctx.get(), TLSEXT_STATUSTYPE_ocsp);
  // Idle connections (thousands waiting on slow peers) should not each hold OpenSSL's
  // 16 KiB read and write buffers: massif showed ~55 KB per connection without this.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  // Sessions are handed to the ClientSession that made them (for the resumption probes),
  // never kept in a cache of the context: memory stays flat however many endpoints.
  enable_session_capture(ctx.get());
  return ctx;
}

}  // namespace

SSL_CTX* ClientContexts::up_to(int max_version) const {
  switch (max_version) {
    case TLS1_VERSION:
      return tls10.get();
    case TLS1_1_VERSION:
      return tls11.get();
    case TLS1_2_VERSION:
      return tls12.get();
    default:
      return nullptr;
  }
}

std::unique_ptr<ClientContexts> make_client_contexts(std::string* error, bool own_library) {
  auto contexts = std::make_unique<ClientContexts>();
  if (own_library) {
    contexts->library.reset(OSSL_LIB_CTX_new());
    if (!contexts->library) {
      *error = "cannot create an OpenSSL library context";
      return nullptr;
    }
  }
  OSSL_LIB_CTX* libctx = contexts->library.get();
  // What a current client offers for TLS 1.2: forward-secret AEAD first, then the CBC and
  // static-RSA suites old servers still need.
  contexts->modern =
      make_context(libctx, TLS1_2_VERSION, TLS1_3_VERSION, "DEFAULT:@SECLEVEL=0", true, error);
  contexts->no_sni =
      make_context(libctx, TLS1_2_VERSION, TLS1_3_VERSION, "DEFAULT:@SECLEVEL=0", true, error);
  if (contexts->no_sni) enable_certificate_peek(contexts->no_sni.get());
  const char* everything = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
  contexts->tls10 = make_context(libctx, TLS1_VERSION, TLS1_VERSION, everything, false, error);
  contexts->tls11 = make_context(libctx, TLS1_VERSION, TLS1_1_VERSION, everything, false, error);
  contexts->tls12 = make_context(libctx, TLS1_VERSION, TLS1_2_VERSION, everything, false, error);
  if (!contexts->modern || !contexts->no_sni || !contexts->tls10 || !contexts->tls11 ||
      !contexts->tls12)
    return nullptr;
  return contexts;
}

}  // namespace tlsfleet::tls
