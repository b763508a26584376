#include "tls/cert_analysis.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "tls/ossl_ptr.h"

namespace tlsfleet::tls {
namespace {

// Parsing a hostile certificate pushes errors (bad times, unknown key types) that are no
// failure of the caller's: the mark lets us drop exactly those on the way out, so the
// engine's next drained error queue speaks only of its own SSL call.
class ErrorQueueMark {
 public:
  ErrorQueueMark() { ERR_set_mark(); }
  ~ErrorQueueMark() { ERR_pop_to_mark(); }
  ErrorQueueMark(const ErrorQueueMark&) = delete;
  ErrorQueueMark& operator=(const ErrorQueueMark&) = delete;
};

// RFC 2253 escaping of specials and control bytes, but bytes above 0x7F pass through:
// ESC_MSB would turn every UTF-8 name into \C3\A9 soup. A UTF8String is printed byte by
// byte (OpenSSL does not re-validate it), so even invalid UTF-8 cannot fail the print.
constexpr unsigned long kNameFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<size_t>(len));
}

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), name, 0, kNameFlags) >= 0) return bio_text(bio.get());
  // A string type OpenSSL cannot convert (say, a BMPString of odd length) fails the print;
  // the hex dump of every value (CN=#0C03...) always succeeds and still names the entry.
  bio.reset(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), name, 0, kNameFlags | ASN1_STRFLGS_DUMP_ALL) >= 0) {
    return bio_text(bio.get());
  }
  return {};
}

std::string hex_lower(const unsigned char* data, size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

struct TimePoint {
  std::string text;  // RFC 3339
  int64_t unix_seconds = 0;
};

// ASN1_TIME_to_tm reads "now" when handed a null time, so null is refused here first.
std::optional<TimePoint> convert_time(const ASN1_TIME* time) {
  if (time == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  char text[64];  // room for any int the compiler imagines in tm
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return TimePoint{text, static_cast<int64_t>(timegm(&tm))};
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string serial_hex(const X509* cert) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  if (serial == nullptr) return {};
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return {};
  OpensslStringPtr hex(BN_bn2hex(bn.get()));  // upper case, whole bytes
  return hex ? std::string(hex.get()) : std::string();
}

std::optional<std::string> ip_text(const ASN1_OCTET_STRING* ip) {
  if (ip == nullptr) return std::nullopt;
  const int len = ASN1_STRING_length(ip);
  const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : AF_UNSPEC;
  // Other lengths (an address/mask pair of a name constraint, garbage) are no address.
  if (family == AF_UNSPEC) return std::nullopt;
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof(text)) == nullptr) {
    return std::nullopt;
  }
  return std::string(text);
}

std::vector<std::string> subject_alt_names(const X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  const int count = sk_GENERAL_NAME_num(names.get());
  out.reserve(static_cast<size_t>(count > 0 ? count : 0));
  for (int i = 0; i < count; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name == nullptr) continue;
    int type = 0;
    const void* value = GENERAL_NAME_get0_value(name, &type);
    if (value == nullptr) continue;
    if (type == GEN_DNS) {
      const auto* dns = static_cast<const ASN1_IA5STRING*>(value);
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (type == GEN_IPADD) {
      if (auto ip = ip_text(static_cast<const ASN1_OCTET_STRING*>(value))) {
        out.push_back(std::move(*ip));
      }
    }
  }
  return out;
}

KeyInfo key_info(const X509* cert) {
  KeyInfo key;
  EVP_PKEY* pkey = X509_get0_pubkey(cert);  // borrowed; null when absent or undecodable
  if (pkey == nullptr) {
    key.type = "unknown";
    return key;
  }
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      key.type = "RSA";
      break;
    case EVP_PKEY_EC:
      key.type = "EC";
      break;
    case EVP_PKEY_ED25519:
      key.type = "Ed25519";
      break;
    case EVP_PKEY_ED448:
      key.type = "Ed448";
      break;
    case EVP_PKEY_DSA:
      key.type = "DSA";
      break;
    default: {
      const char* name = EVP_PKEY_get0_type_name(pkey);
      key.type = name != nullptr ? name : "unknown";
    }
  }
  key.bits = EVP_PKEY_get_bits(pkey);
  if (key.type == "EC") {
    char group[80];
    size_t len = 0;
    // Explicit curve parameters have no name; the curve stays null then.
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) == 1) {
      key.curve = std::string(group, len);
    }
  }
  return key;
}

// The long name of a known algorithm, else the dotted OID, so an unknown algorithm still
// says which one it is.
std::string signature_algorithm(const X509* cert) {
  const int nid = X509_get_signature_nid(cert);
  if (nid != NID_undef) {
    if (const char* name = OBJ_nid2ln(nid)) return name;
  }
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(nullptr, &alg, cert);
  const ASN1_OBJECT* oid = nullptr;
  if (alg != nullptr) X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  if (oid == nullptr) return {};
  char text[128];
  const int len = OBJ_obj2txt(text, sizeof(text), oid, 1);
  if (len <= 0) return {};
  return std::string(text);
}

std::string sha256_hex(const X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &len) != 1) return {};
  return hex_lower(digest, len);
}

bool names_ocsp_responder(X509* cert) {
  OpensslStringStackPtr urls(X509_get1_ocsp(cert));
  return urls && sk_OPENSSL_STRING_num(urls.get()) > 0;
}

// What can be said of a certificate regardless of when it is asked: everything of the
// `cert` object but days_left. The part chain.served[] needs is always there; the leaf's
// extras (serial, names, key, OCSP) are filled the first time analyze_cert asks.
struct Facts {
  std::string subject;
  std::string issuer;
  std::string sha256;
  std::string sig_alg;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  bool self_signed = false;

  bool has_leaf_extras = false;
  std::string serial;
  std::vector<std::string> san;
  KeyInfo key;
  bool ocsp_responder = false;
};

void describe_base(X509* cert, Facts& f) {
  f.subject = name_text(X509_get_subject_name(cert));
  f.issuer = name_text(X509_get_issuer_name(cert));
  f.sha256 = sha256_hex(cert);
  f.not_before = convert_time(X509_get0_notBefore(cert));
  f.not_after = convert_time(X509_get0_notAfter(cert));
  f.sig_alg = signature_algorithm(cert);
  f.self_signed = X509_self_signed(cert, 0) == 1;
}

void describe_leaf_extras(X509* cert, Facts& f) {
  f.serial = serial_hex(cert);
  f.san = subject_alt_names(cert);
  f.key = key_info(cert);
  f.ocsp_responder = names_ocsp_responder(cert);
  f.has_leaf_extras = true;
}

// Fleets serve the same certificates from many addresses (load balancers, wildcards, the
// same intermediates everywhere), and analyze_cert and analyze_chain both describe the
// leaf: each worker thread remembers the facts of the last few certificates it described.
// Per thread, so no locks; a fixed number of slots, reused in turn, so bounded. An entry
// holds a reference to its certificate: a hit needs the same SHA-1 fingerprint (which
// OpenSSL computed once when it cached the extensions, as verification needs anyway) and
// then the same content (X509_cmp compares the encoded TBS, then signature algorithm and
// value), so a SHA-1 collision cannot pass one certificate off as another.
class FactsCache {
 public:
  static constexpr size_t kSlots = 32;

  // The facts of cert, described on a miss. The reference lives until the next call.
  Facts& facts_for(X509* cert, const unsigned char (&sha1)[SHA_DIGEST_LENGTH]) {
    for (Entry& e : entries_) {
      if (e.cert && std::memcmp(e.sha1, sha1, sizeof(e.sha1)) == 0 &&
          same_content(e.cert.get(), cert)) {
        return e.facts;
      }
    }
    Entry& e = entries_[next_];
    next_ = (next_ + 1) % kSlots;
    e.cert.reset();
    e.facts = Facts{};
    describe_base(cert, e.facts);
    if (X509_up_ref(cert) == 1) {
      e.cert.reset(cert);
      std::memcpy(e.sha1, sha1, sizeof(e.sha1));
    }
    return e.facts;
  }

 private:
  struct Entry {
    X509Ptr cert;
    unsigned char sha1[SHA_DIGEST_LENGTH] = {};
    Facts facts;
  };

  static bool same_content(const X509* a, const X509* b) {
    if (a == b) return true;
    if (X509_cmp(a, b) != 0) return false;
    const ASN1_BIT_STRING* sig_a = nullptr;
    const ASN1_BIT_STRING* sig_b = nullptr;
    const X509_ALGOR* alg_a = nullptr;
    const X509_ALGOR* alg_b = nullptr;
    X509_get0_signature(&sig_a, &alg_a, a);
    X509_get0_signature(&sig_b, &alg_b, b);
    if (sig_a == nullptr || sig_b == nullptr || alg_a == nullptr || alg_b == nullptr) return false;
    return ASN1_STRING_cmp(sig_a, sig_b) == 0 && X509_ALGOR_cmp(alg_a, alg_b) == 0;
  }

  std::array<Entry, kSlots> entries_;
  size_t next_ = 0;
};

// The facts of cert: from this thread's cache when the certificate has a fingerprint,
// else described afresh into scratch (a certificate OpenSSL finds invalid or cannot hash).
Facts& facts_of(X509* cert, Facts& scratch) {
  const uint32_t flags = X509_get_extension_flags(cert);  // caches the extensions and SHA-1
  unsigned char sha1[SHA_DIGEST_LENGTH];
  unsigned int len = 0;
  if ((flags & (EXFLAG_SET | EXFLAG_INVALID | EXFLAG_NO_FINGERPRINT)) == EXFLAG_SET &&
      X509_digest(cert, EVP_sha1(), sha1, &len) == 1 && len == sizeof(sha1)) {
    thread_local FactsCache cache;
    return cache.facts_for(cert, sha1);
  }
  describe_base(cert, scratch);
  return scratch;
}

}  // namespace

CertInfo analyze_cert(X509* cert, int64_t now_unix) {
  CertInfo info;
  if (cert == nullptr) return info;
  ErrorQueueMark mark;
  Facts scratch;
  Facts& f = facts_of(cert, scratch);
  if (!f.has_leaf_extras) describe_leaf_extras(cert, f);
  info.subject = f.subject;
  info.issuer = f.issuer;
  info.serial = f.serial;
  if (f.not_before) {
    info.not_before = f.not_before->text;
    info.not_before_unix = f.not_before->unix_seconds;
  }
  if (f.not_after) {
    info.not_after = f.not_after->text;
    info.not_after_unix = f.not_after->unix_seconds;
    info.days_left = floor_div(info.not_after_unix - now_unix, 86400);
  }
  info.san = f.san;
  info.key = f.key;
  info.sig_alg = f.sig_alg;
  info.sha256 = f.sha256;
  info.self_signed = f.self_signed;
  info.ocsp_responder = f.ocsp_responder;
  return info;
}

ServedCert describe_served_cert(X509* cert) {
  ServedCert served;
  if (cert == nullptr) return served;
  ErrorQueueMark mark;
  Facts scratch;
  const Facts& f = facts_of(cert, scratch);
  served.subject = f.subject;
  served.issuer = f.issuer;
  served.sha256 = f.sha256;
  if (f.not_after) {
    served.not_after = f.not_after->text;
    served.not_after_unix = f.not_after->unix_seconds;
  }
  if (f.not_before) served.not_before_unix = f.not_before->unix_seconds;
  served.sig_alg = f.sig_alg;
  served.self_signed = f.self_signed;
  return served;
}

}  // namespace tlsfleet::tls
