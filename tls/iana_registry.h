// The IANA TLS registries as tables: every cipher suite and supported group with its name,
// plus what a scanner needs to judge a suite (key exchange, cipher, the versions it is
// defined for), derived from the IANA name. Also the seven classic SSLv2 cipher specs.
// The tables are generated from the registry CSVs by scripts/gen_iana.py.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tlsfleet::tls {

// Wire values of the protocol versions (ProtocolVersion in ServerHello, supported_versions).
inline constexpr uint16_t kSsl2 = 0x0002;
inline constexpr uint16_t kSsl3 = 0x0300;
inline constexpr uint16_t kTls10 = 0x0301;
inline constexpr uint16_t kTls11 = 0x0302;
inline constexpr uint16_t kTls12 = 0x0303;
inline constexpr uint16_t kTls13 = 0x0304;

// Signalling values that sit in the cipher suite list but are not suites.
inline constexpr uint16_t kEmptyRenegotiationInfoScsv = 0x00FF;
inline constexpr uint16_t kFallbackScsv = 0x5600;

// How the suite agrees on keys. TLS 1.3 suites do not say: key_share decides.
enum class KeyExchange {
  kNone,      // TLS_NULL_WITH_NULL_NULL and the SCSVs
  kTls13,     // a TLS 1.3 suite: (EC)DHE or PSK chosen by extensions
  kRsa,       // static RSA key transport: no forward secrecy
  kDh,        // static DH (DH_DSS, DH_RSA): no forward secrecy
  kDhe,       // ephemeral finite-field DH
  kEcdh,      // static ECDH (ECDH_ECDSA, ECDH_RSA): no forward secrecy
  kEcdhe,     // ephemeral elliptic-curve DH
  kDhAnon,    // DH_anon: unauthenticated
  kEcdhAnon,  // ECDH_anon: unauthenticated
  kPsk,       // pre-shared key only
  kDhePsk,    // DHE_PSK (and the PSK_DHE spelling)
  kRsaPsk,    // RSA_PSK
  kEcdhePsk,  // ECDHE_PSK
  kSrp,       // SRP_SHA, SRP_SHA_RSA, SRP_SHA_DSS
  kKrb5,      // Kerberos
  kEccPwd,    // ECCPWD (RFC 8492)
  kGost,      // GOSTR341112_256 (TLS 1.2 GOST suites)
};

// The bulk cipher family.
enum class BulkCipher {
  kNull,
  kRc4,
  kRc2,
  kDes,  // single DES, 56 or 40 bits
  kTripleDes,
  kIdea,
  kSeed,
  kAes,
  kCamellia,
  kAria,
  kChaCha20,
  kSm4,
  kAegis,
  kGost,  // Kuznyechik, Magma, GOST 28147-89
};

enum class CipherMode {
  kNone,    // NULL cipher
  kStream,  // RC4, GOST 28147 CNT, the GOST CTR_OMAC suites
  kCbc,
  kAead,  // GCM, CCM, ChaCha20-Poly1305, MGM, AEGIS
};

struct CipherSuiteInfo {
  uint16_t code = 0;
  std::string_view name;     // IANA name, "TLS_..."
  bool recommended = false;  // IANA's Recommended column says Y
  KeyExchange key_exchange = KeyExchange::kNone;
  BulkCipher cipher = BulkCipher::kNull;
  CipherMode mode = CipherMode::kNone;
  bool export_grade = false;  // an _EXPORT_ suite (40/56-bit keys)
  bool scsv = false;          // a signalling value, never negotiated
  // The versions a server may negotiate this suite with: SSLv3..TLS 1.2 for suites with an
  // MD5 or SHA-1 MAC, TLS 1.2 only for SHA-256/384 MACs and AEADs, TLS 1.3 only for suites
  // without a key exchange in their name. (min 0, max 0 for SCSVs.)
  uint16_t min_version = 0;
  uint16_t max_version = 0;

  bool usable_with(uint16_t version) const {
    return !scsv && version >= min_version && version <= max_version;
  }
  bool tls13_only() const { return min_version == kTls13; }
  bool sslv3_usable() const { return usable_with(kSsl3); }
  bool anonymous() const {
    return key_exchange == KeyExchange::kDhAnon || key_exchange == KeyExchange::kEcdhAnon;
  }
  bool null_cipher() const { return !scsv && cipher == BulkCipher::kNull; }
  bool rc4() const { return cipher == BulkCipher::kRc4; }
  bool des_or_3des() const {
    return cipher == BulkCipher::kDes || cipher == BulkCipher::kTripleDes;
  }
  // The session keys survive a later theft of the server's long-term key.
  bool forward_secret() const;
};

// Derives the properties of a suite from its IANA name. Exposed for tests; callers use
// the tables below.
CipherSuiteInfo describe_cipher_suite(uint16_t code, std::string_view name, bool recommended);

// Every suite IANA assigns (ranges, Reserved and Unassigned excluded), in code order.
const std::vector<CipherSuiteInfo>& all_cipher_suites();
// The suite with this code, or nullptr when IANA assigns none.
const CipherSuiteInfo* find_cipher_suite(uint16_t code);
std::optional<std::string_view> cipher_suite_name(uint16_t code);
// The codes of every suite usable_with(version), SCSVs excluded, in code order.
std::vector<uint16_t> cipher_suites_for_version(uint16_t version);

enum class GroupKind {
  kEllipticCurve,  // secp*, sect*, brainpool*, x25519, x448, GOST curves, curveSM2
  kFfdhe,          // RFC 7919 finite-field groups
  kMlkem,          // pure ML-KEM
  kHybridPq,       // an ECDHE + ML-KEM (or pre-standard Kyber) hybrid
  kExplicit,       // arbitrary_explicit_*_curves: not a group, a TLS 1.2 signal
};

struct GroupInfo {
  uint16_t code = 0;
  std::string_view name;  // IANA name ("x25519", "secp256r1", "X25519MLKEM768")
  bool recommended = false;
  bool deprecated = false;  // IANA's Recommended column says D
  bool obsolete = false;    // IANA marks the code point OBSOLETE (pre-standard Kyber)
  GroupKind kind = GroupKind::kEllipticCurve;
  bool tls12 = false;  // may be offered in supported_groups for (EC)DHE in TLS <= 1.2
  bool tls13 = false;  // may be offered in a TLS 1.3 key_share
};

// Every group IANA assigns (ranges, Reserved and Unassigned excluded), in code order.
const std::vector<GroupInfo>& all_groups();
const GroupInfo* find_group(uint16_t code);
std::optional<std::string_view> group_name(uint16_t code);

// SSLv2 cipher kinds are three bytes on the wire: 0x010080 is SSL_CK_RC4_128_WITH_MD5.
struct Sslv2CipherSpec {
  uint32_t code = 0;
  std::string_view name;
  bool export_grade = false;
};

// The seven cipher kinds SSL 2.0 defines, in code order.
const std::vector<Sslv2CipherSpec>& sslv2_cipher_specs();
std::optional<std::string_view> sslv2_cipher_spec_name(uint32_t code);

// "SSLv3", "TLSv1.0" .. "TLSv1.3", "SSLv2" (SCHEMA.md's names); nullopt for other values.
std::optional<std::string_view> protocol_version_name(uint16_t version);

}  // namespace tlsfleet::tls
