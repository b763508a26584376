#include "tls/negotiated.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include <cstdio>
#include <string_view>

namespace tlsfleet::tls {

namespace {

// OpenSSL names some groups by their X9.62/SEC names; SCHEMA.md uses the IANA ones.
std::optional<std::string> group_name(int nid) {
  switch (nid) {
    case 0:
      return std::nullopt;
    case NID_X25519:
      return "X25519";
    case NID_X448:
      return "X448";
    case NID_X9_62_prime256v1:
      return "secp256r1";
    case NID_secp384r1:
      return "secp384r1";
    case NID_secp521r1:
      return "secp521r1";
    case NID_ffdhe2048:
      return "ffdhe2048";
    case NID_ffdhe3072:
      return "ffdhe3072";
    case NID_ffdhe4096:
      return "ffdhe4096";
    case NID_ffdhe6144:
      return "ffdhe6144";
    case NID_ffdhe8192:
      return "ffdhe8192";
    default:
      break;
  }
  if ((nid & TLSEXT_nid_unknown) != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%04x", nid & 0xffff);
    return std::string(hex);
  }
  const char* sn = OBJ_nid2sn(nid);
  if (sn) return std::string(sn);
  return std::nullopt;
}

// TLS <= 1.2 DHE: OpenSSL negotiates no group, but names the server's parameters when
// their prime is a known one; only the RFC 7919 groups are reported (SCHEMA.md names).
// Whatever the prime, and in TLS 1.3 too, its size is read off the server's key (Logjam:
// primes below 2048 bits are weak).
void read_dh_key(SSL* ssl, Negotiated& n) {
  EVP_PKEY* key = nullptr;
  if (SSL_get_peer_tmp_key(ssl, &key) <= 0 || key == nullptr) return;
  if (EVP_PKEY_is_a(key, "DH")) {
    if (int bits = EVP_PKEY_get_bits(key); bits > 0) n.dh_bits = bits;
    char group[64] = {};
    if (!n.group &&
        EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       nullptr) > 0 &&
        std::string_view(group).substr(0, 5) == "ffdhe") {
      n.group = group;
    }
  }
  EVP_PKEY_free(key);
}

}  // namespace

std::string version_name(int version) {
  switch (version) {
    case SSL3_VERSION:
      return "SSLv3";
    case TLS1_VERSION:
      return "TLSv1.0";
    case TLS1_1_VERSION:
      return "TLSv1.1";
    case TLS1_2_VERSION:
      return "TLSv1.2";
    case TLS1_3_VERSION:
      return "TLSv1.3";
    default:
      return "unknown";
  }
}

Negotiated read_negotiated(SSL* ssl) {
  Negotiated n;
  n.version = version_name(SSL_version(ssl));
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    const char* standard = SSL_CIPHER_standard_name(cipher);
    n.cipher = standard ? standard : SSL_CIPHER_get_name(cipher);
  }
  n.group = group_name(SSL_get_negotiated_group(ssl));
  read_dh_key(ssl, n);
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn && alpn_len > 0) n.alpn = std::string(reinterpret_cast<const char*>(alpn), alpn_len);
  const unsigned char* ocsp = nullptr;
  n.ocsp_stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp) > 0 && ocsp != nullptr;
  return n;
}

}  // namespace tlsfleet::tls
