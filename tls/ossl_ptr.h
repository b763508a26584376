// Owning smart pointers for OpenSSL objects: every OpenSSL object in tlsfleet has exactly
// one owner, and these deleters are the only places that call the *_free functions.
#pragma once

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace tlsfleet::tls {

struct LibCtxFree {
  void operator()(OSSL_LIB_CTX* p) const { OSSL_LIB_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
struct SslSessionFree {
  void operator()(SSL_SESSION* p) const { SSL_SESSION_free(p); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct BignumFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct OpensslStringFree {
  void operator()(char* p) const { OPENSSL_free(p); }
};
struct OpensslStringStackFree {
  void operator()(STACK_OF(OPENSSL_STRING) * p) const { X509_email_free(p); }
};
// A stack that borrows its certificates (a view of someone else's): frees only the stack.
struct X509StackBorrowFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};
struct X509ExtensionFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct GeneralNameFree {
  void operator()(GENERAL_NAME* p) const { GENERAL_NAME_free(p); }
};
// Every ASN1_STRING flavour (ASN1_INTEGER, ASN1_OCTET_STRING, ASN1_IA5STRING, ...) is one type.
struct Asn1StringFree {
  void operator()(ASN1_STRING* p) const { ASN1_STRING_free(p); }
};

using LibCtxPtr = std::unique_ptr<OSSL_LIB_CTX, LibCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, X509StoreCtxFree>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesFree>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumFree>;
using OpensslStringPtr = std::unique_ptr<char, OpensslStringFree>;
using OpensslStringStackPtr = std::unique_ptr<STACK_OF(OPENSSL_STRING), OpensslStringStackFree>;
using X509StackBorrowPtr = std::unique_ptr<STACK_OF(X509), X509StackBorrowFree>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, X509ExtensionFree>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, GeneralNameFree>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, Asn1StringFree>;

}  // namespace tlsfleet::tls
