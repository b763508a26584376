#include "tls/cert_analysis.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

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

}  // namespace

CertInfo analyze_cert(X509* cert, int64_t now_unix) {
  CertInfo info;
  if (cert == nullptr) return info;
  ErrorQueueMark mark;
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  info.serial = serial_hex(cert);
  if (auto from = convert_time(X509_get0_notBefore(cert))) {
    info.not_before = std::move(from->text);
    info.not_before_unix = from->unix_seconds;
  }
  if (auto until = convert_time(X509_get0_notAfter(cert))) {
    info.not_after = std::move(until->text);
    info.not_after_unix = until->unix_seconds;
    info.days_left = floor_div(info.not_after_unix - now_unix, 86400);
  }
  info.san = subject_alt_names(cert);
  info.key = key_info(cert);
  info.sig_alg = signature_algorithm(cert);
  info.sha256 = sha256_hex(cert);
  info.self_signed = X509_self_signed(cert, 0) == 1;
  info.ocsp_responder = names_ocsp_responder(cert);
  return info;
}

ServedCert describe_served_cert(X509* cert) {
  ServedCert served;
  if (cert == nullptr) return served;
  ErrorQueueMark mark;
  served.subject = name_text(X509_get_subject_name(cert));
  served.issuer = name_text(X509_get_issuer_name(cert));
  served.sha256 = sha256_hex(cert);
  if (auto until = convert_time(X509_get0_notAfter(cert))) {
    served.not_after = std::move(until->text);
    served.not_after_unix = until->unix_seconds;
  }
  if (auto from = convert_time(X509_get0_notBefore(cert))) {
    served.not_before_unix = from->unix_seconds;
  }
  served.sig_alg = signature_algorithm(cert);
  served.self_signed = X509_self_signed(cert, 0) == 1;
  return served;
}

}  // namespace tlsfleet::tls
