#include "tls/client_context.h"

namespace tlsfleet::tls {

const unsigned char kAlpnH2Http11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
const unsigned int kAlpnH2Http11Length = sizeof kAlpnH2Http11;

SslCtxPtr make_modern_client_context(std::string* error) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    *error = "SSL_CTX_new failed";
    return nullptr;
  }
  // The scanner reports on whatever the server presents, so nothing may fail the
  // handshake on our side: verification happens afterwards, against the trust store,
  // in chain analysis. Security level 0 lets small keys and SHA-1 chains through.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  // What a current browser-like client offers for TLS 1.2: forward-secret AEAD first,
  // then the CBC and static-RSA suites old servers still need.
  if (SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0") != 1) {
    *error = "cannot set the TLS 1.2 cipher list";
    return nullptr;
  }
  if (SSL_CTX_set_alpn_protos(ctx.get(), kAlpnH2Http11, kAlpnH2Http11Length) != 0) {
    *error = "cannot set ALPN";
    return nullptr;
  }
  // One handshake per connection: no client-side session cache to look up or fill.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION);
  // Ask for a stapled OCSP response so `ocsp_stapled` can be reported.
  SSL_CTX_set_tlsext_status_type(ctx.get(), TLSEXT_STATUSTYPE_ocsp);
  return ctx;
}

}  // namespace tlsfleet::tls
