// A PKI built in memory at test time: keys, a root CA, an intermediate and leaves of every
// shape the analysis must describe. Header-only so that each test binary that includes it
// compiles it (the test globs pick up *_test.cpp only).
#pragma once

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "tls/ossl_ptr.h"

namespace tlsfleet::test {

// Every test judges certificates at this instant (2026-06-01T00:00:00Z), never at the
// wall clock, so results do not depend on the day the tests run.
inline constexpr int64_t kNow = 1780272000;
inline constexpr int64_t kDay = 86400;

inline void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

inline tls::EvpPkeyPtr make_rsa_key(unsigned bits) {
  tls::EvpPkeyPtr key(EVP_RSA_gen(bits));
  require(key != nullptr, "RSA key generation");
  return key;
}

inline tls::EvpPkeyPtr make_ec_key(const char* curve) {
  tls::EvpPkeyPtr key(EVP_EC_gen(curve));
  require(key != nullptr, "EC key generation");
  return key;
}

// type is an OpenSSL algorithm name without parameters: "ED25519", "ED448".
inline tls::EvpPkeyPtr make_key(const char* type) {
  tls::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  require(key != nullptr, "key generation");
  return key;
}

// RSA key generation is slow on a shared two-core machine: each test binary makes its keys
// once. Distinct keys per role keep issuer matching honest.
struct Keys {
  tls::EvpPkeyPtr root = make_rsa_key(2048);
  tls::EvpPkeyPtr intermediate = make_rsa_key(2048);
  tls::EvpPkeyPtr rogue_root = make_rsa_key(2048);
  tls::EvpPkeyPtr rogue_intermediate = make_rsa_key(2048);
  tls::EvpPkeyPtr leaf = make_rsa_key(2048);
  tls::EvpPkeyPtr rsa1024 = make_rsa_key(1024);
  tls::EvpPkeyPtr ec_p256 = make_ec_key("P-256");
  tls::EvpPkeyPtr ec_p384 = make_ec_key("P-384");
  tls::EvpPkeyPtr ed25519 = make_key("ED25519");
  tls::EvpPkeyPtr ed448 = make_key("ED448");
};

inline const Keys& keys() {
  static const Keys k;
  return k;
}

struct NameEntry {
  std::string field;  // "CN", "O", ...
  std::string value;  // raw bytes
  // MBSTRING_UTF8 lets OpenSSL pick and validate; V_ASN1_UTF8STRING stores bytes verbatim.
  int type = MBSTRING_UTF8;
};

struct CertSpec {
  std::vector<NameEntry> subject;
  int64_t not_before = kNow - 30 * kDay;
  int64_t not_after = kNow + 300 * kDay;
  std::string serial_hex = "01";
  bool ca = false;
  // In certificate order: "DNS:name", "IP:address", "email:address". Bytes are verbatim.
  std::vector<std::string> san;
  std::string ocsp_url;                 // empty: no AIA extension
  const EVP_MD* digest = EVP_sha256();  // ignored when the signer is Ed25519/Ed448
};

inline void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  tls::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  require(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "extension");
}

inline void add_general_name(GENERAL_NAMES* names, const std::string& entry) {
  tls::GeneralNamePtr name(GENERAL_NAME_new());
  require(name != nullptr, "GENERAL_NAME_new");
  const size_t colon = entry.find(':');
  require(colon != std::string::npos, "SAN entry needs a type prefix");
  const std::string kind = entry.substr(0, colon);
  const std::string value = entry.substr(colon + 1);
  if (kind == "IP") {
    tls::Asn1StringPtr ip(a2i_IPADDRESS(value.c_str()));
    require(ip != nullptr, "IP SAN");
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip.release());
  } else {
    tls::Asn1StringPtr text(ASN1_IA5STRING_new());
    require(text != nullptr &&
                ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) == 1,
            "IA5String");
    GENERAL_NAME_set0_value(name.get(), kind == "DNS" ? GEN_DNS : GEN_EMAIL, text.release());
  }
  require(sk_GENERAL_NAME_push(names, name.get()) > 0, "SAN push");
  name.release();  // the stack owns it now
}

// OpenSSL 3.0 refuses to canonicalise a UTF8String that is not UTF-8: the first encoding of
// such a name fails but keeps the DER it made, and later encodings (the signature's) use
// it. Encoding once up front is the only way to build a hostile name with the OpenSSL API;
// for a valid name it changes nothing.
inline void prime_name_encoding(X509_NAME* name) {
  i2d_X509_NAME(name, nullptr);
  ERR_clear_error();
}

// Issues a certificate for subject_key, signed by issuer/issuer_key, or self-signed when
// issuer is null.
inline tls::X509Ptr issue(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer = nullptr,
                          EVP_PKEY* issuer_key = nullptr) {
  tls::X509Ptr cert(X509_new());
  require(cert != nullptr && X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_new");
  BIGNUM* raw_bn = nullptr;
  require(BN_hex2bn(&raw_bn, spec.serial_hex.c_str()) > 0, "serial");
  tls::BignumPtr bn(raw_bn);
  tls::Asn1StringPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  require(serial && X509_set_serialNumber(cert.get(), serial.get()) == 1, "serial");
  require(ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.not_before)) &&
              ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.not_after)),
          "validity");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  for (const NameEntry& e : spec.subject) {
    require(X509_NAME_add_entry_by_txt(subject, e.field.c_str(), e.type,
                                       reinterpret_cast<const unsigned char*>(e.value.data()),
                                       static_cast<int>(e.value.size()), -1, 0) == 1,
            "subject entry");
  }
  prime_name_encoding(subject);
  require(X509_set_issuer_name(cert.get(),
                               issuer != nullptr ? X509_get_subject_name(issuer) : subject) == 1,
          "issuer name");
  require(X509_set_pubkey(cert.get(), subject_key) == 1, "public key");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints,
                spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (spec.ca) {
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  }
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (!spec.san.empty()) {
    tls::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
    require(names != nullptr, "SAN stack");
    for (const std::string& entry : spec.san) add_general_name(names.get(), entry);
    require(X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0,
                              X509V3_ADD_DEFAULT) == 1,
            "SAN extension");
  }
  if (!spec.ocsp_url.empty()) {
    const std::string aia = "OCSP;URI:" + spec.ocsp_url;
    add_extension(cert.get(), &ctx, NID_info_access, aia.c_str());
  }

  EVP_PKEY* signer = issuer_key != nullptr ? issuer_key : subject_key;
  const int signer_type = EVP_PKEY_get_base_id(signer);
  const bool pure = signer_type == EVP_PKEY_ED25519 || signer_type == EVP_PKEY_ED448;
  require(X509_sign(cert.get(), signer, pure ? nullptr : spec.digest) > 0, "signature");
  return cert;
}

// A stack that owns a reference to each certificate, in the given order.
inline tls::X509StackPtr stack_of(std::initializer_list<X509*> certs) {
  tls::X509StackPtr stack(sk_X509_new_null());
  require(stack != nullptr, "stack");
  for (X509* cert : certs) {
    require(X509_up_ref(cert) == 1, "up_ref");
    if (sk_X509_push(stack.get(), cert) <= 0) {
      tls::X509Ptr drop(cert);  // give back the reference the push did not take
      require(false, "push");
    }
  }
  return stack;
}

inline tls::X509StorePtr store_of(std::initializer_list<X509*> anchors) {
  tls::X509StorePtr store(X509_STORE_new());
  require(store != nullptr, "store");
  for (X509* cert : anchors) require(X509_STORE_add_cert(store.get(), cert) == 1, "anchor");
  return store;
}

// The test hierarchy: "Test Root" -> "Test Intermediate" -> leaves.
inline CertSpec root_spec() {
  CertSpec spec;
  spec.subject = {{"O", "tlsfleet test"}, {"CN", "Test Root"}};
  spec.ca = true;
  spec.not_before = kNow - 3650 * kDay;
  spec.not_after = kNow + 3650 * kDay;
  return spec;
}

inline CertSpec intermediate_spec() {
  CertSpec spec;
  spec.subject = {{"O", "tlsfleet test"}, {"CN", "Test Intermediate"}};
  spec.ca = true;
  spec.serial_hex = "02";
  spec.not_before = kNow - 1000 * kDay;
  spec.not_after = kNow + 1000 * kDay;
  return spec;
}

inline CertSpec leaf_spec(const std::string& name = "www.example.test") {
  CertSpec spec;
  spec.subject = {{"CN", name}};
  spec.serial_hex = "1000";
  spec.san = {"DNS:" + name, "IP:192.0.2.10", "IP:2001:db8::10"};
  return spec;
}

}  // namespace tlsfleet::test
