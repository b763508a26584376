#include "tls/iana_registry.h"

#include <algorithm>
#include <array>
#include <string>

namespace tlsfleet::tls {

namespace {

struct SuiteRow {
  uint16_t code;
  const char* name;
  char recommended;
};

struct GroupRow {
  uint16_t code;
  const char* name;
  char recommended;
  bool obsolete;
};

constexpr SuiteRow kSuiteRows[] = {
#include "tls/iana_cipher_suites.inc"
};

constexpr GroupRow kGroupRows[] = {
#include "tls/iana_groups.inc"
};

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The key-exchange part of a TLS <= 1.2 name: what sits between "TLS_" and "_WITH_",
// without the "_EXPORT" marker.
KeyExchange key_exchange_of(std::string_view kx) {
  if (ends_with(kx, "_EXPORT")) kx.remove_suffix(7);
  struct Entry {
    std::string_view prefix;
    KeyExchange kind;
  };
  // Order matters: longer spellings before their prefixes.
  static constexpr Entry kTable[] = {
      {"NULL", KeyExchange::kNone},
      {"RSA_PSK", KeyExchange::kRsaPsk},
      {"RSA", KeyExchange::kRsa},
      {"DHE_PSK", KeyExchange::kDhePsk},
      {"PSK_DHE", KeyExchange::kDhePsk},
      {"DHE_", KeyExchange::kDhe},
      {"DH_anon", KeyExchange::kDhAnon},
      {"DH_", KeyExchange::kDh},
      {"ECDHE_PSK", KeyExchange::kEcdhePsk},
      {"ECDHE_", KeyExchange::kEcdhe},
      {"ECDH_anon", KeyExchange::kEcdhAnon},
      {"ECDH_", KeyExchange::kEcdh},
      {"PSK", KeyExchange::kPsk},
      {"SRP_", KeyExchange::kSrp},
      {"KRB5", KeyExchange::kKrb5},
      {"ECCPWD", KeyExchange::kEccPwd},
      {"GOSTR341112", KeyExchange::kGost},
  };
  for (const Entry& e : kTable) {
    if (kx.substr(0, e.prefix.size()) == e.prefix) return e.kind;
  }
  return KeyExchange::kNone;
}

BulkCipher cipher_of(std::string_view c) {
  struct Entry {
    std::string_view marker;
    BulkCipher cipher;
  };
  static constexpr Entry kTable[] = {
      {"NULL", BulkCipher::kNull},         {"RC4", BulkCipher::kRc4},
      {"RC2", BulkCipher::kRc2},           {"3DES", BulkCipher::kTripleDes},
      {"DES", BulkCipher::kDes},           {"IDEA", BulkCipher::kIdea},
      {"SEED", BulkCipher::kSeed},         {"AES", BulkCipher::kAes},
      {"CAMELLIA", BulkCipher::kCamellia}, {"ARIA", BulkCipher::kAria},
      {"CHACHA20", BulkCipher::kChaCha20}, {"SM4", BulkCipher::kSm4},
      {"KUZNYECHIK", BulkCipher::kGost},   {"MAGMA", BulkCipher::kGost},
      {"28147", BulkCipher::kGost},
  };
  for (const Entry& e : kTable) {
    if (c.substr(0, e.marker.size()) == e.marker) return e.cipher;
  }
  // TLS 1.3 integrity-only suites (TLS_SHA256_SHA256) name no cipher at all.
  return BulkCipher::kNull;
}

CipherMode mode_of(std::string_view c, BulkCipher cipher) {
  if (cipher == BulkCipher::kNull) return CipherMode::kNone;
  if (contains(c, "GCM") || contains(c, "CCM") || contains(c, "POLY1305") || contains(c, "MGM") ||
      cipher == BulkCipher::kAegis) {
    return CipherMode::kAead;
  }
  if (contains(c, "CBC")) return CipherMode::kCbc;
  return CipherMode::kStream;  // RC4, CNT_IMIT, CTR_OMAC
}

}  // namespace

bool CipherSuiteInfo::forward_secret() const {
  switch (key_exchange) {
    case KeyExchange::kTls13:
    case KeyExchange::kDhe:
    case KeyExchange::kEcdhe:
    case KeyExchange::kDhAnon:
    case KeyExchange::kEcdhAnon:
    case KeyExchange::kDhePsk:
    case KeyExchange::kEcdhePsk:
      return true;
    default:
      return false;
  }
}

CipherSuiteInfo describe_cipher_suite(uint16_t code, std::string_view name, bool recommended) {
  CipherSuiteInfo info;
  info.code = code;
  info.name = name;
  info.recommended = recommended;
  std::string_view body = name.substr(0, 4) == "TLS_" ? name.substr(4) : name;
  if (ends_with(body, "_SCSV")) {
    info.scsv = true;
    return info;
  }
  const size_t with = body.find("_WITH_");
  // TLS 1.3 suites name no key exchange ("TLS_AES_128_GCM_SHA256"); the GOST ones that do
  // name one are TLS 1.3 suites when they use MGM (RFC 9367), TLS 1.2 ones otherwise.
  const bool tls13 = with == std::string_view::npos ||
                     (body.substr(0, 11) == "GOSTR341112" && contains(body, "_MGM_"));
  const std::string_view cipher_part =
      with == std::string_view::npos ? body : body.substr(with + 6);
  if (cipher_part.substr(0, 6) == "AEGIS_") {
    info.cipher = BulkCipher::kAegis;
  } else {
    info.cipher = cipher_of(cipher_part);
  }
  info.mode = mode_of(cipher_part, info.cipher);
  info.export_grade = contains(body, "_EXPORT_");
  if (tls13) {
    info.key_exchange = KeyExchange::kTls13;
    info.min_version = info.max_version = kTls13;
    return info;
  }
  info.key_exchange = key_exchange_of(body.substr(0, with));
  // TLS_NULL_WITH_NULL_NULL is the state before any handshake, never a choice.
  if (info.key_exchange == KeyExchange::kNone) return info;
  info.max_version = kTls12;
  // MD5 and SHA-1 MACs are what SSLv3 knows; SHA-256/384 PRFs, AEADs and the GOST suites
  // came with TLS 1.2.
  const bool old_mac = ends_with(cipher_part, "_MD5") || ends_with(cipher_part, "_SHA");
  info.min_version = old_mac && info.mode != CipherMode::kAead ? kSsl3 : kTls12;
  return info;
}

const std::vector<CipherSuiteInfo>& all_cipher_suites() {
  static const std::vector<CipherSuiteInfo> table = [] {
    std::vector<CipherSuiteInfo> t;
    t.reserve(std::size(kSuiteRows));
    for (const SuiteRow& row : kSuiteRows) {
      t.push_back(describe_cipher_suite(row.code, row.name, row.recommended == 'Y'));
    }
    return t;
  }();
  return table;
}

const CipherSuiteInfo* find_cipher_suite(uint16_t code) {
  const auto& table = all_cipher_suites();
  auto it = std::lower_bound(table.begin(), table.end(), code,
                             [](const CipherSuiteInfo& s, uint16_t c) { return s.code < c; });
  return it != table.end() && it->code == code ? &*it : nullptr;
}

std::optional<std::string_view> cipher_suite_name(uint16_t code) {
  const CipherSuiteInfo* info = find_cipher_suite(code);
  if (!info) return std::nullopt;
  return info->name;
}

std::vector<uint16_t> cipher_suites_for_version(uint16_t version) {
  std::vector<uint16_t> codes;
  for (const CipherSuiteInfo& s : all_cipher_suites()) {
    if (s.usable_with(version)) codes.push_back(s.code);
  }
  return codes;
}

namespace {

GroupInfo describe_group(const GroupRow& row) {
  GroupInfo g;
  g.code = row.code;
  g.name = row.name;
  g.recommended = row.recommended == 'Y';
  g.deprecated = row.recommended == 'D';
  g.obsolete = row.obsolete;
  const std::string_view name = g.name;
  if (name.substr(0, 5) == "ffdhe") {
    g.kind = GroupKind::kFfdhe;
  } else if (name.substr(0, 5) == "MLKEM") {
    g.kind = GroupKind::kMlkem;
  } else if (contains(name, "MLKEM") || contains(name, "Kyber")) {
    g.kind = GroupKind::kHybridPq;
  } else if (name.substr(0, 18) == "arbitrary_explicit") {
    g.kind = GroupKind::kExplicit;
  }
  // RFC 8446 4.2.7 keeps for TLS 1.3 only secp256r1/384r1/521r1, x25519, x448 and the
  // ffdhe groups; later RFCs add the brainpool*tls13 curves (8734), the GOST curves
  // (9367), curveSM2 (8998) and the ML-KEM and hybrid groups. The TLS 1.2 brainpool
  // curves (26-28) and the tls13 ones are separate code points on purpose.
  const uint16_t c = g.code;
  const bool tls13_ec = c == 23 || c == 24 || c == 25 || c == 29 || c == 30 || (c >= 31 && c <= 41);
  g.tls13 = tls13_ec || g.kind == GroupKind::kFfdhe || g.kind == GroupKind::kMlkem ||
            g.kind == GroupKind::kHybridPq;
  g.tls12 = (c >= 1 && c <= 30) || (c >= 34 && c <= 40) || g.kind == GroupKind::kFfdhe ||
            g.kind == GroupKind::kExplicit;
  return g;
}

}  // namespace

const std::vector<GroupInfo>& all_groups() {
  static const std::vector<GroupInfo> table = [] {
    std::vector<GroupInfo> t;
    t.reserve(std::size(kGroupRows));
    for (const GroupRow& row : kGroupRows) t.push_back(describe_group(row));
    return t;
  }();
  return table;
}

const GroupInfo* find_group(uint16_t code) {
  const auto& table = all_groups();
  auto it = std::lower_bound(table.begin(), table.end(), code,
                             [](const GroupInfo& g, uint16_t c) { return g.code < c; });
  return it != table.end() && it->code == code ? &*it : nullptr;
}

std::optional<std::string_view> group_name(uint16_t code) {
  const GroupInfo* info = find_group(code);
  if (!info) return std::nullopt;
  return info->name;
}

const std::vector<Sslv2CipherSpec>& sslv2_cipher_specs() {
  // SSL 2.0 (draft-hickman-netscape-ssl-00), appendix C.
  static const std::vector<Sslv2CipherSpec> table = {
      {0x010080, "SSL_CK_RC4_128_WITH_MD5", false},
      {0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5", true},
      {0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5", false},
      {0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", true},
      {0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5", false},
      {0x060040, "SSL_CK_DES_64_CBC_WITH_MD5", false},
      {0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", false},
  };
  return table;
}

std::optional<std::string_view> sslv2_cipher_spec_name(uint32_t code) {
  for (const Sslv2CipherSpec& spec : sslv2_cipher_specs()) {
    if (spec.code == code) return spec.name;
  }
  return std::nullopt;
}

std::optional<std::string_view> protocol_version_name(uint16_t version) {
  switch (version) {
    case kSsl2:
      return "SSLv2";
    case kSsl3:
      return "SSLv3";
    case kTls10:
      return "TLSv1.0";
    case kTls11:
      return "TLSv1.1";
    case kTls12:
      return "TLSv1.2";
    case kTls13:
      return "TLSv1.3";
    default:
      return std::nullopt;
  }
}

}  // namespace tlsfleet::tls
