#include "scanner/findings.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace tlsfleet::scanner {
namespace {

using tls::ServedCert;
using tls::VerifyOutcome;

constexpr int64_t kDaySeconds = 86400;

// ---------------------------------------------------------------------------------------
// Wording helpers

int64_t floor_days(int64_t seconds) {
  int64_t q = seconds / kDaySeconds;
  if (seconds % kDaySeconds != 0 && seconds < 0) --q;
  return q;
}

std::string day_count(int64_t days) {
  return std::to_string(days) + (days == 1 ? " day" : " days");
}

std::string ago(int64_t seconds) {
  const int64_t days = floor_days(seconds);
  return days < 1 ? "less than a day ago" : day_count(days) + " ago";
}

std::string ahead(int64_t seconds) {
  const int64_t days = floor_days(seconds);
  return days < 1 ? "in less than a day" : "in " + day_count(days);
}

// "a, b, c and 7 more": names can number in the thousands (SAN lists), details stay short.
std::string join_capped(const std::vector<std::string>& items, size_t cap = 8) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < cap; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > cap) out += " and " + std::to_string(items.size() - cap) + " more";
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---------------------------------------------------------------------------------------
// Facts several rules share. Each rule's condition is one of these, so the rule that
// explains a failed verification and CERT_UNTRUSTED's "explained elsewhere" can never
// disagree.

bool leaf_expired(const EndpointResult& r, const FindingOptions& o) {
  return r.cert && !r.cert->not_after.empty() && r.cert->not_after_unix < o.now_unix;
}

bool leaf_not_yet_valid(const EndpointResult& r, const FindingOptions& o) {
  return r.cert && !r.cert->not_before.empty() && o.now_unix < r.cert->not_before_unix;
}

bool leaf_expires_soon(const EndpointResult& r, const FindingOptions& o) {
  if (o.expiry_warn_days <= 0 || !r.cert || r.cert->not_after.empty()) return false;
  const int64_t left = r.cert->not_after_unix - o.now_unix;
  return left >= 0 && left < int64_t{o.expiry_warn_days} * kDaySeconds;
}

bool chain_served(const EndpointResult& r) { return r.chain && !r.chain->served.empty(); }

// A self-signed leaf the store holds as an anchor was deliberately trusted (a pinned
// internal certificate): not worth a high finding.
bool leaf_self_signed_untrusted(const EndpointResult& r, const FindingOptions&) {
  return r.cert && r.cert->self_signed && !(r.chain && r.chain->trusted);
}

bool chain_incomplete(const EndpointResult& r, const FindingOptions&) {
  return chain_served(r) && !r.chain->complete;
}

std::vector<const ServedCert*> expired_intermediates(const EndpointResult& r, int64_t now) {
  std::vector<const ServedCert*> out;
  if (!chain_served(r)) return out;
  for (size_t i = 1; i < r.chain->served.size(); ++i) {
    const ServedCert& c = r.chain->served[i];
    if (!c.not_after.empty() && c.not_after_unix < now) out.push_back(&c);
  }
  return out;
}

bool intermediate_expired(const EndpointResult& r, const FindingOptions& o) {
  return !expired_intermediates(r, o.now_unix).empty();
}

// Verification failed and no more specific finding says why.
bool untrusted_unexplained(const EndpointResult& r, const FindingOptions& o) {
  if (!chain_served(r) || r.chain->trusted) return false;
  switch (r.chain->outcome) {
    case VerifyOutcome::kExpired:
      return !leaf_expired(r, o) && !intermediate_expired(r, o);
    case VerifyOutcome::kNotYetValid:
      return !leaf_not_yet_valid(r, o);
    case VerifyOutcome::kIncomplete:
      return !chain_incomplete(r, o);
    case VerifyOutcome::kSelfSigned:
      return !leaf_self_signed_untrusted(r, o);
    default:
      return true;  // kUntrustedRoot, kOther (and an inconsistent kTrusted)
  }
}

bool weak_key(const tls::KeyInfo& key) {
  if (key.bits <= 0) return false;  // size unknown: nothing decided
  if (key.type == "RSA" || key.type == "RSA-PSS" || key.type == "DSA") return key.bits < 2048;
  if (key.type == "EC") return key.bits < 224;
  return false;
}

bool weak_signature_algorithm(const std::string& sig_alg) {
  const std::string alg = lower(sig_alg);
  // OpenSSL long names: md5WithRSAEncryption, sha1WithRSAEncryption, ecdsa-with-SHA1,
  // dsaWithSHA1, and the SHA-0 ones shaWithRSAEncryption and dsaWithSHA. dsa_with_SHA256 and
  // the rest of the SHA-2 family match none of these.
  for (const char* weak : {"md2", "md4", "md5", "sha1", "shawithrsa", "dsawithsha"}) {
    if (alg.find(weak) != std::string::npos) return true;
  }
  return false;
}

// "CN=x signed with sha1WithRSAEncryption" for every non-self-signed certificate served
// (or the leaf alone when the chain is unknown) whose signature is MD5 or SHA-1. Roots
// are skipped: nobody checks the signature of a trust anchor.
std::vector<std::string> weak_signatures(const EndpointResult& r) {
  std::vector<std::string> out;
  auto consider = [&out](const std::string& subject, const std::string& alg, bool self_signed) {
    if (!self_signed && weak_signature_algorithm(alg))
      out.push_back(subject + " signed with " + alg);
  };
  if (chain_served(r)) {
    for (const ServedCert& c : r.chain->served) consider(c.subject, c.sig_alg, c.self_signed);
  } else if (r.cert) {
    consider(r.cert->subject, r.cert->sig_alg, r.cert->self_signed);
  }
  return out;
}

std::vector<std::string> accepted_legacy_versions(const EndpointResult& r) {
  std::vector<std::string> out;
  if (!r.tls || !r.tls->protocols) return out;
  for (const char* version : {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"}) {
    auto it = r.tls->protocols->find(version);
    if (it != r.tls->protocols->end() && it->second) out.push_back(version);
  }
  return out;
}

// Both modern versions were probed and both refused.
bool no_modern_version(const EndpointResult& r, const FindingOptions&) {
  if (!r.tls || !r.tls->protocols) return false;
  const auto& protocols = *r.tls->protocols;
  auto v12 = protocols.find("TLSv1.2");
  auto v13 = protocols.find("TLSv1.3");
  return v12 != protocols.end() && v13 != protocols.end() && !v12->second && !v13->second;
}

// Every suite known to be accepted: the negotiated one (basic depth) and, at full depth,
// every enumerated one; each name once, in first-seen order.
std::vector<std::string> accepted_suites(const EndpointResult& r) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  if (!r.tls) return out;
  add(r.tls->cipher);
  if (r.tls->ciphers) {
    for (const auto& [version, suites] : *r.tls->ciphers) {
      for (const std::string& suite : suites) add(suite);
    }
  }
  return out;
}

// IANA (and SSLv2) suite names spell their weak parts as whole '_'-separated tokens.
bool weak_suite(const std::string& name) {
  static constexpr std::string_view kWeak[] = {"NULL", "EXPORT", "EXPORT1024", "anon", "RC4",
                                               "RC2",  "DES",    "DES40",      "3DES", "IDEA"};
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('_', start);
    if (end == std::string::npos) end = name.size();
    const std::string_view token(name.data() + start, end - start);
    for (std::string_view weak : kWeak) {
      if (token == weak) return true;
    }
    start = end + 1;
  }
  return false;
}

// TLS_RSA_* is RSA key transport (TLS_RSA_PSK_* and TLS_RSA_EXPORT_* included).
bool static_rsa_suite(const std::string& name) { return name.rfind("TLS_RSA_", 0) == 0; }

std::vector<std::string> suites_where(const EndpointResult& r, bool (*pred)(const std::string&)) {
  std::vector<std::string> out;
  for (const std::string& s : accepted_suites(r)) {
    if (pred(s)) out.push_back(s);
  }
  return out;
}

bool post_quantum_group(const std::string& group) {
  const std::string g = lower(group);
  return g.find("mlkem") != std::string::npos || g.find("kyber") != std::string::npos;
}

// The name the leaf was matched against: the engine checks the SNI it sent, else the host,
// else the address.
std::string scanned_name(const EndpointResult& r) {
  if (r.sni) return *r.sni;
  if (r.host) return *r.host;
  if (r.ip) return *r.ip;
  return "the scanned name";
}

// ---------------------------------------------------------------------------------------
// Conditions and details, one pair per rule (same order as the table).

using Condition = bool (*)(const EndpointResult&, const FindingOptions&);
using Detail = std::string (*)(const EndpointResult&, const FindingOptions&);
using Grade = Severity (*)(const EndpointResult&, const FindingOptions&);

std::string expired_detail(const EndpointResult& r, const FindingOptions& o) {
  return "expired " + r.cert->not_after + " (" + ago(o.now_unix - r.cert->not_after_unix) + ")";
}

std::string not_yet_valid_detail(const EndpointResult& r, const FindingOptions& o) {
  return "not valid before " + r.cert->not_before + " (" +
         ahead(r.cert->not_before_unix - o.now_unix) + ")";
}

bool expires_soon(const EndpointResult& r, const FindingOptions& o) {
  return leaf_expires_soon(r, o) && !leaf_expired(r, o);
}

std::string expires_soon_detail(const EndpointResult& r, const FindingOptions& o) {
  return "expires " + r.cert->not_after + " (" + ahead(r.cert->not_after_unix - o.now_unix) +
         "; warning window " + day_count(o.expiry_warn_days) + ")";
}

std::string self_signed_detail(const EndpointResult& r, const FindingOptions&) {
  return "the leaf " + r.cert->subject + " is self-signed and not a trust anchor";
}

std::string untrusted_detail(const EndpointResult& r, const FindingOptions&) {
  const std::string why = r.chain->verify_error.value_or("verification failed");
  if (r.chain->outcome == VerifyOutcome::kUntrustedRoot) {
    return "the chain ends in a root the trust store does not hold (" + why + ")";
  }
  return "the chain does not verify: " + why;
}

bool hostname_mismatch(const EndpointResult& r, const FindingOptions&) {
  return r.chain && r.chain->hostname_match == false;
}

std::string hostname_detail(const EndpointResult& r, const FindingOptions&) {
  std::string detail = "the leaf does not cover " + scanned_name(r);
  if (!r.cert) return detail;
  if (r.cert->san.empty()) return detail + "; it has no SAN (subject " + r.cert->subject + ")";
  return detail + "; it names " + join_capped(r.cert->san);
}

bool leaf_weak_key(const EndpointResult& r, const FindingOptions&) {
  return r.cert && weak_key(r.cert->key);
}

std::string weak_key_detail(const EndpointResult& r, const FindingOptions&) {
  const tls::KeyInfo& key = r.cert->key;
  std::string detail = key.type + " " + std::to_string(key.bits) + "-bit key";
  if (key.curve) detail += " (" + *key.curve + ")";
  return detail;
}

bool weak_signature(const EndpointResult& r, const FindingOptions&) {
  return !weak_signatures(r).empty();
}

std::string weak_signature_detail(const EndpointResult& r, const FindingOptions&) {
  return join_capped(weak_signatures(r));
}

std::string incomplete_detail(const EndpointResult& r, const FindingOptions&) {
  const size_t n = r.chain->served.size();
  const std::string sent = "the server sent " + std::to_string(n) +
                           (n == 1 ? " certificate" : " certificates") + " (leaf issued by " +
                           r.chain->served[0].issuer + ")";
  if (r.chain->trusted) {
    return sent +
           "; verification used an intermediate from tlsfleet's trust store that the "
           "server did not send: clients without it fail";
  }
  return sent + "; an issuer is missing (" + r.chain->verify_error.value_or("unverified") + ")";
}

bool misordered(const EndpointResult& r, const FindingOptions&) {
  return chain_served(r) && r.chain->served.size() > 1 && !r.chain->ordered;
}

std::string misordered_detail(const EndpointResult& r, const FindingOptions&) {
  std::vector<std::string> order;
  for (size_t i = 0; i < r.chain->served.size(); ++i) {
    order.push_back("[" + std::to_string(i) + "] " + r.chain->served[i].subject);
  }
  return "served order: " + join_capped(order) +
         "; each certificate must be followed by its issuer";
}

std::string expired_intermediate_detail(const EndpointResult& r, const FindingOptions& o) {
  std::vector<std::string> parts;
  for (const ServedCert* c : expired_intermediates(r, o.now_unix)) {
    parts.push_back(c->subject + " expired " + c->not_after + " (" +
                    ago(o.now_unix - c->not_after_unix) + ")");
  }
  return join_capped(parts);
}

bool legacy_enabled(const EndpointResult& r, const FindingOptions&) {
  return !accepted_legacy_versions(r).empty();
}

std::string legacy_detail(const EndpointResult& r, const FindingOptions&) {
  return "accepted: " + join_capped(accepted_legacy_versions(r));
}

std::string no_modern_detail(const EndpointResult& r, const FindingOptions&) {
  const std::vector<std::string> legacy = accepted_legacy_versions(r);
  return "neither TLSv1.2 nor TLSv1.3 accepted" +
         (legacy.empty() ? std::string() : "; accepted: " + join_capped(legacy));
}

bool cipher_weak(const EndpointResult& r, const FindingOptions&) {
  return !suites_where(r, weak_suite).empty();
}

std::string cipher_weak_detail(const EndpointResult& r, const FindingOptions&) {
  return "accepted: " + join_capped(suites_where(r, weak_suite));
}

bool no_forward_secrecy(const EndpointResult& r, const FindingOptions&) {
  return !suites_where(r, static_rsa_suite).empty();
}

std::string no_forward_secrecy_detail(const EndpointResult& r, const FindingOptions&) {
  return "accepted: " + join_capped(suites_where(r, static_rsa_suite));
}

// The smallest finite-field DHE prime seen: the main handshake's and, at full depth, the
// server's own prime the group enumeration drew. Absent when no DHE was negotiated: a
// server never asked about DHE is not thereby known to have a strong prime.
std::optional<int> weakest_dh_bits(const EndpointResult& r) {
  if (!r.tls) return std::nullopt;
  std::optional<int> bits = r.tls->dh_bits;
  if (r.tls->dh_custom_bits && (!bits || *r.tls->dh_custom_bits < *bits))
    bits = r.tls->dh_custom_bits;
  return bits;
}

bool kex_weak_dh(const EndpointResult& r, const FindingOptions&) {
  const std::optional<int> bits = weakest_dh_bits(r);
  return bits && *bits < 2048;
}

// Below 1024 bits the prime is within reach of a precomputation (Logjam's 512-bit
// export groups); 1024 to 2047 is weak but costlier to break.
Severity kex_weak_dh_severity(const EndpointResult& r, const FindingOptions&) {
  return weakest_dh_bits(r).value_or(0) < 1024 ? Severity::kHigh : Severity::kMedium;
}

std::string kex_weak_dh_detail(const EndpointResult& r, const FindingOptions&) {
  std::vector<std::string> parts;
  if (r.tls->dh_bits && *r.tls->dh_bits < 2048) {
    parts.push_back("the main handshake's DHE prime is " + std::to_string(*r.tls->dh_bits) +
                    " bits");
  }
  // A main handshake without a named group drew the server's own prime: say it once.
  const bool same_prime = !r.tls->group && r.tls->dh_bits == r.tls->dh_custom_bits;
  if (r.tls->dh_custom_bits && *r.tls->dh_custom_bits < 2048 && !same_prime) {
    parts.push_back("the server's own DHE prime is " + std::to_string(*r.tls->dh_custom_bits) +
                    " bits");
  }
  return join_capped(parts) + "; below 2048 bits (Logjam)";
}

bool kex_not_post_quantum(const EndpointResult& r, const FindingOptions&) {
  if (!r.tls || !r.tls->groups) return false;
  return std::none_of(r.tls->groups->begin(), r.tls->groups->end(), post_quantum_group);
}

std::string kex_detail(const EndpointResult& r, const FindingOptions&) {
  if (r.tls->groups->empty()) return "no key-exchange group accepted";
  return "accepted groups: " + join_capped(*r.tls->groups);
}

bool sni_required(const EndpointResult& r, const FindingOptions&) {
  return r.tls && r.tls->sni_required == true;
}

std::string sni_required_detail(const EndpointResult&, const FindingOptions&) {
  return "the handshake fails when the ClientHello carries no SNI";
}

bool sni_default_cert_mismatch(const EndpointResult& r, const FindingOptions&) {
  return r.tls && r.tls->sni_required == false && r.tls->default_cert_covers_name == false;
}

std::string sni_default_cert_mismatch_detail(const EndpointResult& r, const FindingOptions&) {
  return "without SNI the server presents another certificate (sha256 " +
         r.tls->default_cert_sha256.value_or("?") + "), which does not cover " +
         r.sni.value_or("the name");
}

bool resumption_unsupported(const EndpointResult& r, const FindingOptions&) {
  return r.tls && r.tls->resumption && !r.tls->resumption->session_id && !r.tls->resumption->ticket;
}

std::string resumption_detail(const EndpointResult&, const FindingOptions&) {
  return "neither a session ID nor a session ticket resumed the session";
}

// Only where stapling was possible: the leaf names a responder and is not self-signed.
bool ocsp_not_stapled(const EndpointResult& r, const FindingOptions& o) {
  return o.report_ocsp_not_stapled && r.tls && !r.tls->ocsp_stapled && r.cert &&
         r.cert->ocsp_responder && !r.cert->self_signed;
}

std::string ocsp_detail(const EndpointResult&, const FindingOptions&) {
  return "no stapled OCSP response, although the leaf names an OCSP responder";
}

bool plaintext(const EndpointResult& r, const FindingOptions&) {
  return r.error && r.error->code == "PLAINTEXT_HTTP";
}

std::string plaintext_detail(const EndpointResult& r, const FindingOptions&) {
  return "port " + std::to_string(r.port) + " answered the ClientHello in clear-text HTTP";
}

struct Rule {
  const char* id;
  const char* cause;
  Severity severity;
  Condition applies;
  Detail detail;
  const char* fix;
  Grade grade = nullptr;  // when set, decides the severity instead of `severity`
};

// SNI_DEFAULT_CERT_MISMATCH is not here: the record holds only the SHA-256 of the
// certificate served without SNI, not its names, so whether it covers the name cannot be
// decided (and when it is the same certificate, CERT_HOSTNAME_MISMATCH already speaks).
// NO_SHARED_CIPHER needs a probe that says the server refused every modern suite.
const Rule kRules[] = {
    {"CERT_EXPIRED", "certificate", Severity::kCritical, leaf_expired, expired_detail,
     "Renew the certificate and deploy it: nginx ssl_certificate/ssl_certificate_key, HAProxy "
     "bind ... crt <pem>; reload, and automate renewal (ACME)"},
    {"CERT_NOT_YET_VALID", "certificate", Severity::kCritical, leaf_not_yet_valid,
     not_yet_valid_detail,
     "Serve the previous certificate until this one is valid and check the issuer's and the "
     "server's clocks: nginx ssl_certificate, HAProxy crt"},
    {"CERT_EXPIRES_SOON", "certificate", Severity::kMedium, expires_soon, expires_soon_detail,
     "Renew now and deploy: nginx ssl_certificate/ssl_certificate_key, HAProxy crt (or 'set "
     "ssl cert' on the runtime API); automate renewal (ACME)"},
    {"CERT_SELF_SIGNED", "certificate", Severity::kHigh, leaf_self_signed_untrusted,
     self_signed_detail,
     "Serve a CA-issued certificate: nginx ssl_certificate, HAProxy crt; for a private "
     "service, distribute this certificate to clients as a trust anchor"},
    {"CERT_UNTRUSTED", "certificate", Severity::kHigh, untrusted_unexplained, untrusted_detail,
     "Serve a certificate from a CA the clients trust, with its intermediates: nginx "
     "ssl_certificate (fullchain.pem), HAProxy crt; for a private CA, add its root to the "
     "clients' trust store and to tlsfleet --ca-file"},
    {"CERT_HOSTNAME_MISMATCH", "certificate", Severity::kHigh, hostname_mismatch, hostname_detail,
     "Serve a certificate whose SAN covers the name: nginx ssl_certificate in the server block "
     "whose server_name matches; HAProxy crt or crt-list entry for that SNI"},
    {"CERT_WEAK_KEY", "certificate", Severity::kHigh, leaf_weak_key, weak_key_detail,
     "Reissue with an RSA 2048+ or ECDSA P-256 key: nginx ssl_certificate_key, HAProxy crt "
     "(key in the PEM)"},
    {"CERT_WEAK_SIGNATURE", "certificate", Severity::kMedium, weak_signature, weak_signature_detail,
     "Reissue the certificate (or get the CA's current intermediate) signed with SHA-256: "
     "nginx ssl_certificate, HAProxy crt"},
    {"CHAIN_INCOMPLETE", "chain", Severity::kHigh, chain_incomplete, incomplete_detail,
     "Serve the full chain: nginx ssl_certificate with leaf+intermediates (fullchain.pem); "
     "HAProxy crt file with leaf, intermediates and key"},
    {"CHAIN_MISORDERED", "chain", Severity::kLow, misordered, misordered_detail,
     "Order the chain file leaf first, then each issuer: nginx ssl_certificate file, HAProxy "
     "crt file"},
    {"CHAIN_EXPIRED_INTERMEDIATE", "chain", Severity::kHigh, intermediate_expired,
     expired_intermediate_detail,
     "Replace the expired intermediate with the CA's current one: nginx ssl_certificate "
     "(fullchain.pem), HAProxy crt file"},
    {"PROTOCOL_LEGACY_ENABLED", "protocol", Severity::kMedium, legacy_enabled, legacy_detail,
     "Disable legacy versions: nginx ssl_protocols TLSv1.2 TLSv1.3; HAProxy "
     "ssl-default-bind-options ssl-min-ver TLSv1.2"},
    {"PROTOCOL_NO_MODERN", "protocol", Severity::kHigh, no_modern_version, no_modern_detail,
     "Enable TLS 1.2 and 1.3: nginx ssl_protocols TLSv1.2 TLSv1.3; HAProxy ssl-min-ver TLSv1.2 "
     "without an ssl-max-ver below TLSv1.3 (OpenSSL 1.1.1 or later)"},
    {"CIPHER_WEAK", "cipher", Severity::kHigh, cipher_weak, cipher_weak_detail,
     "Allow only strong AEAD suites: nginx ssl_ciphers (e.g. Mozilla's intermediate list); "
     "HAProxy ssl-default-bind-ciphers and ssl-default-bind-ciphersuites"},
    {"CIPHER_NO_FORWARD_SECRECY", "cipher", Severity::kMedium, no_forward_secrecy,
     no_forward_secrecy_detail,
     "Remove static-RSA suites (TLS_RSA_*), keep ECDHE: nginx ssl_ciphers; HAProxy "
     "ssl-default-bind-ciphers"},
    {"KEX_WEAK_DH", "cipher", Severity::kMedium, kex_weak_dh, kex_weak_dh_detail,
     "Use a DH group of 2048 bits or more (RFC 7919 ffdhe2048 or larger), or drop DHE: nginx "
     "ssl_dhparam <ffdhe2048.pem>, or remove DHE suites from ssl_ciphers; HAProxy "
     "ssl-dh-param-file <ffdhe2048.pem> or tune.ssl.default-dh-param 2048",
     kex_weak_dh_severity},
    {"KEX_NOT_POST_QUANTUM", "protocol", Severity::kInfo, kex_not_post_quantum, kex_detail,
     "Offer X25519MLKEM768 (OpenSSL 3.5 or later): nginx ssl_ecdh_curve X25519MLKEM768:X25519; "
     "HAProxy ssl-default-bind-curves X25519MLKEM768:X25519"},
    {"SNI_REQUIRED", "sni", Severity::kInfo, sni_required, sni_required_detail,
     "If clients without SNI must connect, give the listener a default certificate: nginx "
     "'listen 443 ssl default_server' with ssl_certificate; HAProxy bind crt without strict-sni"},
    {"SNI_DEFAULT_CERT_MISMATCH", "sni", Severity::kLow, sni_default_cert_mismatch,
     sni_default_cert_mismatch_detail,
     "Make the default certificate cover the name for clients without SNI: nginx "
     "'listen ... default_server' in the server block of this name; HAProxy: put this "
     "certificate first on the bind line or first in the crt-list"},
    {"RESUMPTION_UNSUPPORTED", "session", Severity::kLow, resumption_unsupported, resumption_detail,
     "Enable resumption: nginx ssl_session_cache shared:SSL:10m and ssl_session_tickets on; "
     "HAProxy tune.ssl.cachesize above 0 and no no-tls-tickets on the bind"},
    {"OCSP_NOT_STAPLED", "certificate", Severity::kInfo, ocsp_not_stapled, ocsp_detail,
     "Staple OCSP: nginx ssl_stapling on and ssl_stapling_verify on (with a resolver); HAProxy "
     "ocsp-update on for the crt (or a .ocsp file beside it)"},
    {"PLAINTEXT_ON_TLS_PORT", "backend", Severity::kHigh, plaintext, plaintext_detail,
     "Terminate TLS on this port: nginx 'listen <port> ssl' with ssl_certificate; HAProxy "
     "'bind :<port> ssl crt <pem>'; or route the TLS port to the TLS listener, not the HTTP one"},
};

}  // namespace

std::vector<Finding> evaluate_findings(const EndpointResult& r, const FindingOptions& o) {
  std::vector<Finding> findings;
  for (const Rule& rule : kRules) {
    if (!rule.applies(r, o)) continue;
    const Severity severity = rule.grade ? rule.grade(r, o) : rule.severity;
    findings.push_back(Finding{rule.id, severity, rule.cause, rule.detail(r, o), rule.fix});
  }
  return findings;
}

}  // namespace tlsfleet::scanner
