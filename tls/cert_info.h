// Plain-data facts about a certificate and a served chain. No OpenSSL types here: these
// structs cross into scanner/ and output/, which know nothing of OpenSSL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlsfleet::tls {

struct KeyInfo {
  std::string type;                  // "RSA", "EC", "Ed25519", "Ed448", "DSA", "DH", or OpenSSL's name
  int bits = 0;                      // key size in bits (EVP_PKEY_get_bits)
  std::optional<std::string> curve;  // EC group name (e.g. "prime256v1"), null otherwise
};

// The leaf certificate, as SCHEMA.md's `cert` object.
struct CertInfo {
  std::string subject;     // RFC 4514, UTF-8 (may hold invalid UTF-8 from hostile peers; output replaces it)
  std::string issuer;      // RFC 4514
  std::string serial;      // upper-case hex, no separators
  std::string not_before;  // RFC 3339 UTC, seconds precision ("2026-11-27T18:00:00Z")
  std::string not_after;
  int64_t not_before_unix = 0;
  int64_t not_after_unix = 0;
  int64_t days_left = 0;          // floor((not_after - now) / 86400); negative once expired
  std::vector<std::string> san;   // DNS names and IP addresses (canonical text) in certificate order
  KeyInfo key;
  std::string sig_alg;            // OpenSSL long name, e.g. "sha256WithRSAEncryption"
  std::string sha256;             // lower-case hex SHA-256 of the DER
  bool self_signed = false;
  // The AIA extension names an OCSP responder, so a server could staple a response.
  bool ocsp_responder = false;
};

// One certificate as the server sent it (SCHEMA.md `chain.served[]`), plus what findings need.
struct ServedCert {
  std::string subject;
  std::string issuer;
  std::string sha256;
  std::string not_after;          // RFC 3339
  int64_t not_after_unix = 0;
  int64_t not_before_unix = 0;    // lets findings tell a not-yet-valid served certificate
  std::string sig_alg;
  bool self_signed = false;
};

// Why verification failed, in the terms findings need.
enum class VerifyOutcome {
  kTrusted,       // verified to an anchor of the store
  kExpired,       // some certificate in the chain has expired
  kNotYetValid,   // some certificate in the chain is not valid yet
  kIncomplete,    // an issuer is missing: neither served nor in the store
  kSelfSigned,    // the leaf is self-signed and not an anchor
  kUntrustedRoot, // the chain ends in a self-signed root that is not an anchor
  kOther,         // any other verify error (bad signature, purpose, ...)
};

// SCHEMA.md's `chain` object.
struct ChainInfo {
  std::vector<ServedCert> served;
  bool trusted = false;
  VerifyOutcome outcome = VerifyOutcome::kOther;
  std::optional<std::string> verify_error;  // X509_verify_cert_error_string when not trusted
  bool complete = false;
  bool ordered = false;
  std::optional<bool> hostname_match;       // null when there is nothing to match
};

}  // namespace tlsfleet::tls
