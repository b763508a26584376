// Certificate analysis: turns one X509 into the plain facts of SCHEMA.md's `cert` object
// (and the smaller `chain.served[]` entry). Certificates come from hostile peers, so every
// field is optional in practice: a missing or malformed one yields an empty value, never a
// crash.
#pragma once

#include <openssl/x509.h>

#include <cstdint>

#include "tls/cert_info.h"

namespace tlsfleet::tls {

// Describes cert as seen at now_unix (days_left counts from it). Promises:
// - subject/issuer are RFC 4514 text; non-ASCII bytes are passed through unescaped (valid or
//   not: output/ replaces invalid UTF-8), control bytes and RFC 4514 specials are escaped;
// - times that cannot be parsed leave the text empty and the Unix seconds 0;
// - a missing or unsupported public key gives key.type "unknown" and bits 0;
// - san lists DNS names and IP addresses in certificate order, other name types skipped;
// - the thread's OpenSSL error queue is left as the caller had it.
// A null cert yields a default CertInfo.
// Descriptions are remembered per thread for the last 32 certificates (same SHA-1
// fingerprint and same content, the certificate itself referenced), so describing the
// leaf here and in analyze_chain, or the same certificate at many endpoints, is done
// once; a certificate must not be changed after it was described.
CertInfo analyze_cert(X509* cert, int64_t now_unix);

// The `chain.served[]` entry for one served certificate, with the same promises.
ServedCert describe_served_cert(X509* cert);

}  // namespace tlsfleet::tls
