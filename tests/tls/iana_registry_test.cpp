// The IANA tables: names, counts against the registry CSVs, and the properties derived
// from the names.
#include "tls/iana_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace tlsfleet::tls {
namespace {

const CipherSuiteInfo& suite(uint16_t code) {
  const CipherSuiteInfo* info = find_cipher_suite(code);
  if (!info) throw std::runtime_error("no suite " + std::to_string(code));
  return *info;
}

TEST(IanaRegistryTest, WellKnownNames) {
  EXPECT_EQ(cipher_suite_name(0x1301), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(cipher_suite_name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(cipher_suite_name(0x0005), "TLS_RSA_WITH_RC4_128_SHA");
  EXPECT_EQ(cipher_suite_name(0xCCA8), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(cipher_suite_name(0x00FF), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
  EXPECT_FALSE(cipher_suite_name(0x001C)) << "reserved range (SSLv3 Fortezza)";
  EXPECT_FALSE(cipher_suite_name(0x0A0A)) << "GREASE is Reserved";
  EXPECT_FALSE(cipher_suite_name(0xFF00)) << "private use";
  EXPECT_EQ(group_name(29), "x25519");
  EXPECT_EQ(group_name(23), "secp256r1");
  EXPECT_EQ(group_name(4588), "X25519MLKEM768");
  EXPECT_EQ(group_name(25497), "X25519Kyber768Draft00") << "the OBSOLETE note is not the name";
  EXPECT_FALSE(group_name(0)) << "Reserved";
  EXPECT_FALSE(group_name(2570)) << "GREASE";
  EXPECT_FALSE(group_name(300)) << "inside an Unassigned range";
}

// Counted from the CSVs in ../shared/data (rows naming a single code point, not Reserved
// or Unassigned): 352 suites, 18 with RC4, 15 EXPORT, 27 anonymous; 56 groups.
TEST(IanaRegistryTest, CountsMatchTheRegistryCopy) {
  const auto& suites = all_cipher_suites();
  EXPECT_EQ(suites.size(), 352u);
  auto count = [&](auto pred) { return std::count_if(suites.begin(), suites.end(), pred); };
  EXPECT_EQ(count([](const CipherSuiteInfo& s) { return s.rc4(); }), 18);
  EXPECT_EQ(count([](const CipherSuiteInfo& s) { return s.export_grade; }), 15);
  EXPECT_EQ(count([](const CipherSuiteInfo& s) { return s.anonymous(); }), 27);
  EXPECT_EQ(count([](const CipherSuiteInfo& s) { return s.scsv; }), 2);
  EXPECT_EQ(all_groups().size(), 56u);
  EXPECT_TRUE(std::is_sorted(suites.begin(), suites.end(),
                             [](const auto& a, const auto& b) { return a.code < b.code; }));
  std::set<std::string_view> names;
  for (const auto& s : suites) names.insert(s.name);
  EXPECT_EQ(names.size(), suites.size()) << "names are unique";
}

// The registry copy the tables were generated from, when it is next to the repository
// (../shared/data) or named by TLSFLEET_IANA_DATA; the build never needs it.
std::string registry_dir() {
  if (const char* dir = std::getenv("TLSFLEET_IANA_DATA")) return dir;
  if (const char* src = std::getenv("TLSFLEET_SOURCE_DIR")) {
    return std::string(src) + "/../shared/data";
  }
  return "";
}

// Every single-code-point row of a registry CSV whose name is not Reserved/Unassigned.
std::map<uint32_t, std::string> read_registry(const std::string& path, const std::regex& row) {
  std::map<uint32_t, std::string> rows;
  std::ifstream in(path);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_search(line, m, row)) continue;
    const std::string name = m[m.size() - 1];
    if (name.rfind("Reserved", 0) == 0 || name.rfind("Unassigned", 0) == 0) continue;
    uint32_t code = 0;
    for (size_t i = 1; i + 1 < m.size(); ++i) code = code << 8 | std::stoul(m[i], nullptr, 0);
    rows[code] = name;
  }
  return rows;
}

TEST(IanaRegistryTest, TablesMatchTheRegistryCsvs) {
  const std::string dir = registry_dir();
  std::ifstream probe(dir + "/iana-tls-cipher-suites.csv");
  if (dir.empty() || !probe) GTEST_SKIP() << "registry CSVs not found (set TLSFLEET_IANA_DATA)";
  const auto suites =
      read_registry(dir + "/iana-tls-cipher-suites.csv",
                    std::regex(R"re(^"(0x[0-9A-Fa-f]{2}),(0x[0-9A-Fa-f]{2})",([^,]+),)re"));
  ASSERT_EQ(suites.size(), all_cipher_suites().size()) << "regenerate with scripts/gen_iana.py";
  for (const auto& [code, name] : suites) {
    EXPECT_EQ(cipher_suite_name(static_cast<uint16_t>(code)), name) << code;
  }
  const auto groups =
      read_registry(dir + "/iana-tls-supported-groups.csv", std::regex(R"(^([0-9]+),([^,]+),)"));
  ASSERT_EQ(groups.size(), all_groups().size());
  for (const auto& [code, name] : groups) {
    EXPECT_EQ(group_name(static_cast<uint16_t>(code)), name.substr(0, name.find(" ("))) << code;
  }
}

TEST(IanaRegistryTest, WeakSuitesAreFlagged) {
  EXPECT_TRUE(suite(0x0005).rc4());
  EXPECT_EQ(suite(0x0005).mode, CipherMode::kStream);
  EXPECT_TRUE(suite(0x0003).export_grade && suite(0x0003).rc4());
  EXPECT_TRUE(suite(0x0008).export_grade && suite(0x0008).des_or_3des());
  EXPECT_EQ(suite(0x000A).cipher, BulkCipher::kTripleDes);
  EXPECT_EQ(suite(0x0009).cipher, BulkCipher::kDes);
  EXPECT_TRUE(suite(0x0002).null_cipher());
  EXPECT_TRUE(suite(0xC0B4).null_cipher()) << "TLS_SHA256_SHA256: integrity only";
  EXPECT_TRUE(suite(0x0018).anonymous()) << "TLS_DH_anon_WITH_RC4_128_MD5";
  EXPECT_TRUE(suite(0xC018).anonymous()) << "TLS_ECDH_anon_WITH_AES_128_CBC_SHA";
  EXPECT_FALSE(suite(0xC02F).rc4() || suite(0xC02F).export_grade || suite(0xC02F).null_cipher());
  EXPECT_FALSE(suite(0x00FF).null_cipher()) << "an SCSV is no NULL cipher";
}

TEST(IanaRegistryTest, KeyExchangeKinds) {
  EXPECT_EQ(suite(0x002F).key_exchange, KeyExchange::kRsa);
  EXPECT_EQ(suite(0x0003).key_exchange, KeyExchange::kRsa) << "RSA_EXPORT";
  EXPECT_EQ(suite(0x0033).key_exchange, KeyExchange::kDhe);
  EXPECT_EQ(suite(0x0030).key_exchange, KeyExchange::kDh) << "DH_DSS";
  EXPECT_EQ(suite(0xC02F).key_exchange, KeyExchange::kEcdhe);
  EXPECT_EQ(suite(0xC004).key_exchange, KeyExchange::kEcdh) << "ECDH_ECDSA";
  EXPECT_EQ(suite(0x008C).key_exchange, KeyExchange::kPsk);
  EXPECT_EQ(suite(0x0090).key_exchange, KeyExchange::kDhePsk);
  EXPECT_EQ(suite(0xC0AA).key_exchange, KeyExchange::kDhePsk) << "the PSK_DHE spelling";
  EXPECT_EQ(suite(0x0094).key_exchange, KeyExchange::kRsaPsk);
  EXPECT_EQ(suite(0xC035).key_exchange, KeyExchange::kEcdhePsk);
  EXPECT_EQ(suite(0xC01A).key_exchange, KeyExchange::kSrp);
  EXPECT_EQ(suite(0x001E).key_exchange, KeyExchange::kKrb5);
  EXPECT_EQ(suite(0x0029).key_exchange, KeyExchange::kKrb5) << "KRB5_EXPORT";
  EXPECT_EQ(suite(0xC0B0).key_exchange, KeyExchange::kEccPwd);
  EXPECT_EQ(suite(0xC100).key_exchange, KeyExchange::kGost);
  EXPECT_EQ(suite(0x1301).key_exchange, KeyExchange::kTls13);
  EXPECT_FALSE(suite(0x002F).forward_secret());
  EXPECT_FALSE(suite(0xC004).forward_secret());
  EXPECT_TRUE(suite(0xC02F).forward_secret());
  EXPECT_TRUE(suite(0x1301).forward_secret());
}

TEST(IanaRegistryTest, CipherFamiliesAndModes) {
  EXPECT_EQ(suite(0xC02F).mode, CipherMode::kAead);
  EXPECT_EQ(suite(0xCCA8).cipher, BulkCipher::kChaCha20);
  EXPECT_EQ(suite(0xC013).mode, CipherMode::kCbc);
  EXPECT_EQ(suite(0x0041).cipher, BulkCipher::kCamellia);
  EXPECT_EQ(suite(0xC03C).cipher, BulkCipher::kAria);
  EXPECT_EQ(suite(0x0096).cipher, BulkCipher::kSeed);
  EXPECT_EQ(suite(0x0007).cipher, BulkCipher::kIdea);
  EXPECT_EQ(suite(0x0006).cipher, BulkCipher::kRc2);
  EXPECT_EQ(suite(0x00C6).cipher, BulkCipher::kSm4);
  EXPECT_EQ(suite(0x1306).cipher, BulkCipher::kAegis);
  EXPECT_EQ(suite(0x1306).mode, CipherMode::kAead);
  EXPECT_EQ(suite(0xC09C).mode, CipherMode::kAead) << "CCM";
  EXPECT_EQ(suite(0xC103).mode, CipherMode::kAead) << "GOST MGM";
  EXPECT_EQ(suite(0xC100).mode, CipherMode::kStream) << "GOST CTR_OMAC";
}

TEST(IanaRegistryTest, VersionRanges) {
  EXPECT_TRUE(suite(0x1301).tls13_only());
  EXPECT_TRUE(suite(0x00C6).tls13_only()) << "TLS_SM4_GCM_SM3";
  EXPECT_TRUE(suite(0xC0B4).tls13_only()) << "TLS_SHA256_SHA256";
  EXPECT_TRUE(suite(0xC103).tls13_only()) << "GOST MGM suites are TLS 1.3";
  EXPECT_FALSE(suite(0xC100).tls13_only()) << "GOST CTR_OMAC suites are TLS 1.2";
  EXPECT_EQ(suite(0xC100).min_version, kTls12);
  EXPECT_TRUE(suite(0x0005).sslv3_usable());
  EXPECT_TRUE(suite(0x0003).sslv3_usable());
  EXPECT_TRUE(suite(0x002F).sslv3_usable());
  EXPECT_FALSE(suite(0x009C).sslv3_usable()) << "GCM came with TLS 1.2";
  EXPECT_FALSE(suite(0x003C).usable_with(kTls11)) << "SHA-256 MAC: TLS 1.2 only";
  EXPECT_TRUE(suite(0x003C).usable_with(kTls12));
  EXPECT_FALSE(suite(0xC02F).usable_with(kTls13));
  EXPECT_FALSE(suite(0x1301).usable_with(kTls12));
  EXPECT_FALSE(suite(0x00FF).usable_with(kTls12)) << "SCSVs are never negotiated";
  EXPECT_FALSE(suite(0x0000).usable_with(kTls12)) << "TLS_NULL_WITH_NULL_NULL";
  const auto tls12 = cipher_suites_for_version(kTls12);
  EXPECT_EQ(std::count(tls12.begin(), tls12.end(), 0xC02F), 1);
}

TEST(IanaRegistryTest, GroupProperties) {
  const GroupInfo* x25519 = find_group(29);
  ASSERT_TRUE(x25519);
  EXPECT_TRUE(x25519->tls12 && x25519->tls13 && x25519->recommended);
  EXPECT_EQ(find_group(256)->kind, GroupKind::kFfdhe);
  EXPECT_EQ(find_group(513)->kind, GroupKind::kMlkem);
  EXPECT_EQ(find_group(4588)->kind, GroupKind::kHybridPq);
  EXPECT_TRUE(find_group(4588)->tls13 && !find_group(4588)->tls12);
  EXPECT_TRUE(find_group(25497)->obsolete);
  EXPECT_TRUE(find_group(1)->deprecated) << "sect163k1";
  EXPECT_FALSE(find_group(1)->tls13);
  EXPECT_TRUE(find_group(26)->tls12 && !find_group(26)->tls13) << "brainpoolP256r1";
  EXPECT_TRUE(find_group(31)->tls13 && !find_group(31)->tls12) << "brainpoolP256r1tls13";
  EXPECT_EQ(find_group(65281)->kind, GroupKind::kExplicit);
}

TEST(IanaRegistryTest, Sslv2CipherSpecs) {
  const auto& specs = sslv2_cipher_specs();
  ASSERT_EQ(specs.size(), 7u);
  EXPECT_EQ(sslv2_cipher_spec_name(0x010080), "SSL_CK_RC4_128_WITH_MD5");
  EXPECT_EQ(sslv2_cipher_spec_name(0x0700C0), "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");
  EXPECT_FALSE(sslv2_cipher_spec_name(0x000005));
  EXPECT_EQ(std::count_if(specs.begin(), specs.end(), [](auto& s) { return s.export_grade; }), 2);
}

TEST(IanaRegistryTest, ProtocolVersionNames) {
  EXPECT_EQ(protocol_version_name(kSsl2), "SSLv2");
  EXPECT_EQ(protocol_version_name(kSsl3), "SSLv3");
  EXPECT_EQ(protocol_version_name(kTls10), "TLSv1.0");
  EXPECT_EQ(protocol_version_name(kTls13), "TLSv1.3");
  EXPECT_FALSE(protocol_version_name(0x7f1c));
}

}  // namespace
}  // namespace tlsfleet::tls
