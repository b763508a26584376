#include "tls/client_context.h"

#include <utility>

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

ClientContexts::ClientContexts(LibCtxPtr library) : library_(std::move(library)) {}

ClientContexts::~ClientContexts() = default;

SSL_CTX* ClientContexts::up_to(int max_version) const {
  switch (max_version) {
    case TLS1_VERSION:
      return tls10();
    case TLS1_1_VERSION:
      return tls11();
    case TLS1_2_VERSION:
      return tls12();
    default:
      return nullptr;
  }
}

// The profiles all run at security level 0, so weak servers still complete a handshake we
// can report on; verification happens afterwards, in chain analysis.
SSL_CTX* ClientContexts::get(Profile profile) const {
  Slot& slot = slots_[profile];
  std::call_once(slot.once, [&] {
    OSSL_LIB_CTX* libctx = library_.get();
    // What a current client offers for TLS 1.2: forward-secret AEAD first, then the CBC
    // and static-RSA suites old servers still need.
    const char* current = "DEFAULT:@SECLEVEL=0";
    const char* everything = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
    switch (profile) {
      case kModern:
        slot.ctx = make_context(libctx, TLS1_2_VERSION, TLS1_3_VERSION, current, true, &slot.error);
        break;
      case kNoSni:
        slot.ctx = make_context(libctx, TLS1_2_VERSION, TLS1_3_VERSION, current, true, &slot.error);
        if (slot.ctx) enable_certificate_peek(slot.ctx.get());
        break;
      case kTls10:
        slot.ctx = make_context(libctx, TLS1_VERSION, TLS1_VERSION, everything, false, &slot.error);
        break;
      case kTls11:
        slot.ctx =
            make_context(libctx, TLS1_VERSION, TLS1_1_VERSION, everything, false, &slot.error);
        break;
      case kTls12:
        slot.ctx =
            make_context(libctx, TLS1_VERSION, TLS1_2_VERSION, everything, false, &slot.error);
        break;
      case kProfiles:
        break;
    }
  });
  return slot.ctx.get();
}

std::string ClientContexts::error() const {
  for (const Slot& slot : slots_) {
    if (!slot.error.empty()) return slot.error;
  }
  return {};
}

int ClientContexts::built() const {
  int n = 0;
  for (const Slot& slot : slots_) n += slot.ctx != nullptr;
  return n;
}

std::unique_ptr<ClientContexts> make_client_contexts(std::string* error, bool own_library) {
  LibCtxPtr library;
  if (own_library) {
    library.reset(OSSL_LIB_CTX_new());
    if (!library) {
      *error = "cannot create an OpenSSL library context";
      return nullptr;
    }
  }
  return std::make_unique<ClientContexts>(std::move(library));
}

}  // namespace tlsfleet::tls
