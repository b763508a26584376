// Helpers for the raw-hello tests: hex byte strings, and a real OpenSSL server SSL object
// over memory BIOs that answers hand-built ClientHellos (no sockets). Header-only, like
// test_pki.h, so each test binary that includes it compiles it.
#pragma once

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "tests/tls/test_pki.h"
#include "tls/ossl_ptr.h"

namespace tlsfleet::test {

// "16 03 03 ..." or "160303..." to bytes; whitespace and newlines are ignored.
inline std::string from_hex(std::string_view hex) {
  std::string out;
  int high = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      v = (c | 0x20) - 'a' + 10;
    } else {
      continue;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

inline uint8_t byte_at(const std::string& s, size_t i) { return static_cast<uint8_t>(s.at(i)); }

// One certificate and key per key type, made once per test binary.
struct ServerCredentials {
  tls::EvpPkeyPtr ec_key = make_ec_key("P-256");
  tls::X509Ptr ec_cert = issue(leaf_spec("raw.test"), ec_key.get());
  tls::EvpPkeyPtr rsa_key = make_rsa_key(2048);
  tls::X509Ptr rsa_cert = issue(leaf_spec("raw.test"), rsa_key.get());
};

inline const ServerCredentials& credentials() {
  static const ServerCredentials c;
  return c;
}

struct ServerConfig {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string ciphers = "ALL:@SECLEVEL=0";  // TLS <= 1.2 suites (OpenSSL names)
  std::string ciphersuites;                 // TLS 1.3 suites; empty: OpenSSL's default
  std::string groups;                       // empty: OpenSSL's default
  bool server_preference = false;
  bool ec_cert = true;
  bool rsa_cert = true;
};

// A server-side SSL_CTX: require()s that OpenSSL takes the configuration.
inline tls::SslCtxPtr make_server_context(const ServerConfig& config) {
  tls::SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  require(ctx != nullptr, "SSL_CTX_new");
  require(SSL_CTX_set_min_proto_version(ctx.get(), config.min_version) == 1 &&
              SSL_CTX_set_max_proto_version(ctx.get(), config.max_version) == 1,
          "protocol versions");
  require(SSL_CTX_set_cipher_list(ctx.get(), config.ciphers.c_str()) == 1, "cipher list");
  if (!config.ciphersuites.empty()) {
    require(SSL_CTX_set_ciphersuites(ctx.get(), config.ciphersuites.c_str()) == 1, "ciphersuites");
  }
  if (!config.groups.empty()) {
    require(SSL_CTX_set1_groups_list(ctx.get(), config.groups.c_str()) == 1, "groups");
  }
  if (config.server_preference) SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_dh_auto(ctx.get(), 1);  // DHE suites need parameters, as s_server sets
  const ServerCredentials& c = credentials();
  if (config.ec_cert) {
    require(SSL_CTX_use_certificate(ctx.get(), c.ec_cert.get()) == 1 &&
                SSL_CTX_use_PrivateKey(ctx.get(), c.ec_key.get()) == 1,
            "EC credentials");
  }
  if (config.rsa_cert) {
    require(SSL_CTX_use_certificate(ctx.get(), c.rsa_cert.get()) == 1 &&
                SSL_CTX_use_PrivateKey(ctx.get(), c.rsa_key.get()) == 1,
            "RSA credentials");
  }
  return ctx;
}

// One server-side connection: bytes from the client in, the server's flight out.
class MemoryServer {
 public:
  explicit MemoryServer(SSL_CTX* ctx) : ssl_(SSL_new(ctx)) {
    require(ssl_ != nullptr, "SSL_new");
    BIO* rbio = BIO_new(BIO_s_mem());
    BIO* wbio = BIO_new(BIO_s_mem());
    require(rbio != nullptr && wbio != nullptr, "BIO_new");
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set0_rbio(ssl_.get(), rbio);
    SSL_set0_wbio(ssl_.get(), wbio);
    rbio_ = rbio;
    wbio_ = wbio;
    SSL_set_accept_state(ssl_.get());
  }

  // Feeds the client's bytes, runs the handshake as far as it goes, returns what the
  // server wrote (a ServerHello flight, or an alert).
  std::string respond(const std::string& client_bytes) {
    BIO_write(rbio_, client_bytes.data(), static_cast<int>(client_bytes.size()));
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_.get());
    last_error_ = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), rc);
    ERR_clear_error();
    char* data = nullptr;
    const long len = BIO_get_mem_data(wbio_, &data);
    std::string out = len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
    (void)BIO_reset(wbio_);
    return out;
  }

  // SSL_ERROR_WANT_READ once the server sent its flight and waits for the client.
  int last_error() const { return last_error_; }
  SSL* ssl() const { return ssl_.get(); }

 private:
  tls::SslPtr ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  int last_error_ = 0;
};

}  // namespace tlsfleet::test
