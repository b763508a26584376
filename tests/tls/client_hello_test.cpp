// Hand-built ClientHellos, read back two ways: by a small independent parser here, and by
// a real OpenSSL server over memory BIOs (it must answer with a ServerHello, not an alert).
#include "tls/client_hello.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>

#include <map>

#include "tests/tls/raw_test_support.h"

namespace tlsfleet::tls {
namespace {

using test::byte_at;

uint16_t u16_at(const std::string& s, size_t i) {
  return static_cast<uint16_t>(byte_at(s, i) << 8 | byte_at(s, i + 1));
}

// The test's own reading of a ClientHello flight: records joined, fields split out.
struct ParsedHello {
  std::vector<size_t> record_lengths;
  uint16_t record_version = 0;
  uint16_t version = 0;
  std::string random;
  std::string session_id;
  std::vector<uint16_t> suites;
  bool has_extension_block = false;
  std::vector<uint16_t> extension_order;
  std::map<uint16_t, std::string> extensions;
  size_t message_length = 0;  // with the 4-byte handshake header
};

ParsedHello parse_hello(const std::string& flight) {
  ParsedHello p;
  std::string message;
  for (size_t at = 0; at < flight.size();) {
    EXPECT_EQ(byte_at(flight, at), 22) << "handshake record at " << at;
    p.record_version = u16_at(flight, at + 1);
    const size_t len = u16_at(flight, at + 3);
    p.record_lengths.push_back(len);
    message += flight.substr(at + 5, len);
    at += 5 + len;
    EXPECT_LE(at, flight.size());
  }
  EXPECT_EQ(byte_at(message, 0), 1);
  const size_t body_len =
      byte_at(message, 1) << 16 | byte_at(message, 2) << 8 | byte_at(message, 3);
  EXPECT_EQ(body_len + 4, message.size());
  p.message_length = message.size();
  size_t i = 4;
  p.version = u16_at(message, i);
  p.random = message.substr(i + 2, 32);
  i += 34;
  p.session_id = message.substr(i + 1, byte_at(message, i));
  i += 1 + p.session_id.size();
  const size_t suites_len = u16_at(message, i);
  for (size_t k = 0; k < suites_len; k += 2) p.suites.push_back(u16_at(message, i + 2 + k));
  i += 2 + suites_len;
  EXPECT_EQ(byte_at(message, i), 1);  // one compression method
  EXPECT_EQ(byte_at(message, i + 1), 0);
  i += 2;
  if (i == message.size()) return p;
  p.has_extension_block = true;
  const size_t end = i + 2 + u16_at(message, i);
  EXPECT_EQ(end, message.size());
  for (i += 2; i + 4 <= end;) {
    const uint16_t type = u16_at(message, i);
    const size_t len = u16_at(message, i + 2);
    EXPECT_EQ(p.extensions.count(type), 0u) << "extension " << type << " repeated";
    p.extension_order.push_back(type);
    p.extensions[type] = message.substr(i + 4, len);
    i += 4 + len;
  }
  EXPECT_EQ(i, end);
  return p;
}

TEST(ClientHelloTest, Tls12HelloCarriesWhatTheSpecSays) {
  ClientHelloSpec spec = probe_spec(kTls12, std::string("raw.test"));
  spec.cipher_suites = {0xC02F, 0x0005, 0x000A};
  spec.renegotiation_scsv = true;
  std::array<uint8_t, 32> random{};
  for (int i = 0; i < 32; ++i) random[i] = static_cast<uint8_t>(i);
  spec.random = random;
  spec.alpn = {"h2", "http/1.1"};
  spec.status_request = true;
  const ParsedHello p = parse_hello(build_client_hello(spec));
  EXPECT_EQ(p.record_version, kTls10);
  EXPECT_EQ(p.version, kTls12);
  EXPECT_EQ(p.random, std::string(reinterpret_cast<const char*>(random.data()), 32));
  EXPECT_TRUE(p.session_id.empty()) << "no session id without TLS 1.3";
  EXPECT_EQ(p.suites, (std::vector<uint16_t>{0xC02F, 0x0005, 0x000A, kEmptyRenegotiationInfoScsv}));
  EXPECT_EQ(p.extensions.at(0).substr(5), "raw.test");
  EXPECT_EQ(p.extensions.at(16), std::string("\x00\x0c\x02h2\x08http/1.1", 14));
  EXPECT_EQ(p.extensions.at(11), std::string("\x01\x00", 2));
  EXPECT_EQ(p.extensions.at(0xff01), std::string(1, '\0'));
  EXPECT_TRUE(p.extensions.count(23) && p.extensions.count(35) && p.extensions.count(5));
  EXPECT_EQ(p.extensions.count(43), 0u) << "no supported_versions for a TLS 1.2 probe";
  EXPECT_EQ(p.extensions.count(51), 0u);
  // signature_algorithms: a length, then every algorithm, SHA-1 RSA included.
  const std::string& sigalgs = p.extensions.at(13);
  EXPECT_EQ(u16_at(sigalgs, 0), sigalgs.size() - 2);
  EXPECT_NE(sigalgs.find(std::string("\x02\x01", 2)), std::string::npos);
  EXPECT_NE(sigalgs.find(std::string("\x04\x01", 2)), std::string::npos);
  EXPECT_NE(p.extension_order.back(), 23) << "an empty extension is never last";
}

TEST(ClientHelloTest, Tls13HelloWithEmptyKeyShare) {
  ClientHelloSpec spec = probe_spec(kTls13, std::nullopt);
  spec.cipher_suites = {0x1301, 0x1302};
  const ParsedHello p = parse_hello(build_client_hello(spec));
  EXPECT_EQ(p.version, kTls12) << "legacy_version stays TLS 1.2";
  EXPECT_EQ(p.session_id.size(), 32u) << "middlebox compatibility session id";
  EXPECT_EQ(p.extensions.at(43), std::string("\x02\x03\x04", 3));
  EXPECT_EQ(p.extensions.at(51), std::string("\x00\x00", 2)) << "empty client_shares";
  EXPECT_EQ(p.extensions.at(45), std::string("\x01\x01", 2));
  EXPECT_EQ(p.extensions.count(0), 0u) << "no SNI when none is given";
  // Every TLS 1.3 group, x25519 first.
  const std::string& groups = p.extensions.at(10);
  EXPECT_EQ(u16_at(groups, 2), 29);
  EXPECT_NE(groups.find(std::string("\x11\xec", 2)), std::string::npos) << "X25519MLKEM768";
}

TEST(ClientHelloTest, Sslv3HelloHasNoExtensionsAndRecordVersion0300) {
  ClientHelloSpec spec = probe_spec(kSsl3, std::string("ignored.test"));
  spec.cipher_suites = {0x0003, 0x0005};
  const std::string flight = build_client_hello(spec);
  const ParsedHello p = parse_hello(flight);
  EXPECT_EQ(p.record_version, kSsl3);
  EXPECT_EQ(p.version, kSsl3);
  EXPECT_FALSE(p.has_extension_block);
  EXPECT_EQ(p.suites, (std::vector<uint16_t>{0x0003, 0x0005, kEmptyRenegotiationInfoScsv}));
}

TEST(ClientHelloTest, PadsHellosOf256To511BytesTo512) {
  ClientHelloSpec spec = probe_spec(kTls12, std::string("raw.test"));
  spec.cipher_suites = std::vector<uint16_t>(60, 0x002F);
  ParsedHello p = parse_hello(build_client_hello(spec));
  EXPECT_EQ(p.message_length, 512u);
  EXPECT_EQ(p.extension_order.back(), 21);
  spec.padding = false;
  p = parse_hello(build_client_hello(spec));
  EXPECT_GE(p.message_length, 256u);
  EXPECT_LT(p.message_length, 512u);
  EXPECT_EQ(p.extensions.count(21), 0u);
}

TEST(ClientHelloTest, LargeHelloIsSplitAtTheRecordLimit) {
  ClientHelloSpec spec = probe_spec(kTls12, std::nullopt);
  spec.cipher_suites.assign(12000, 0x002F);
  const ParsedHello p = parse_hello(build_client_hello(spec));
  ASSERT_EQ(p.record_lengths.size(), 2u);
  EXPECT_EQ(p.record_lengths[0], kMaxRecordPayload);
  EXPECT_EQ(p.suites.size(), 12000u);
}

TEST(ClientHelloTest, RefusesWhatCannotBeEncoded) {
  ClientHelloSpec spec = probe_spec(kTls12, std::nullopt);
  EXPECT_TRUE(build_client_hello(spec).empty()) << "no suites";
  spec.cipher_suites = {0x002F};
  spec.session_id = std::string(33, 'x');
  EXPECT_TRUE(build_client_hello(spec).empty()) << "session id over 32 bytes";
  spec.session_id.reset();
  spec.alpn = {""};
  EXPECT_TRUE(build_client_hello(spec).empty()) << "empty ALPN protocol";
  spec.alpn.clear();
  spec.cipher_suites.assign(40000, 0x002F);
  EXPECT_TRUE(build_client_hello(spec).empty()) << "over 32767 suites";
}

TEST(ClientHelloTest, Sslv2ClientHelloLayout) {
  const std::string challenge(16, 'C');
  const std::string hello = build_sslv2_client_hello(kSsl2, {0x010080, 0x0700C0}, challenge);
  ASSERT_EQ(hello.size(), 2u + 9 + 6 + 16);
  EXPECT_EQ(byte_at(hello, 0), 0x80);  // two-byte header, high bit
  EXPECT_EQ(byte_at(hello, 1), 9 + 6 + 16);
  EXPECT_EQ(byte_at(hello, 2), 1);  // MSG-CLIENT-HELLO
  EXPECT_EQ(u16_at(hello, 3), kSsl2);
  EXPECT_EQ(u16_at(hello, 5), 6);   // cipher specs length
  EXPECT_EQ(u16_at(hello, 7), 0);   // session id length
  EXPECT_EQ(u16_at(hello, 9), 16);  // challenge length
  EXPECT_EQ(hello.substr(11, 6), test::from_hex("010080 0700c0"));
  EXPECT_EQ(hello.substr(17), challenge);
  EXPECT_TRUE(build_sslv2_client_hello(kSsl2, {0x010080}, std::string(15, 'x')).empty());
  EXPECT_TRUE(build_sslv2_client_hello(kSsl2, {}).empty());
  EXPECT_EQ(as_sslv2_specs({0x0003, 0xC02F}), (std::vector<uint32_t>{0x000003, 0x00C02F}));
}

TEST(ClientHelloTest, PlaceholderSharesHaveTheRightSizes) {
  const std::map<uint16_t, size_t> sizes = {{29, 32},  {30, 56},   {23, 65},   {24, 97},
                                            {25, 133}, {256, 256}, {260, 1024}};
  for (auto [group, size] : sizes) {
    auto share = placeholder_key_share(group);
    ASSERT_TRUE(share) << group;
    EXPECT_EQ(share->key_exchange.size(), size) << group;
  }
  EXPECT_FALSE(placeholder_key_share(4588)) << "ML-KEM shares cannot be faked";
  EXPECT_NE(placeholder_key_share(29)->key_exchange, placeholder_key_share(29)->key_exchange);
}

struct EcGroupFree {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};

TEST(ClientHelloTest, NistSharesAreTheCurveGenerators) {
  const std::map<uint16_t, int> curves = {
      {23, NID_X9_62_prime256v1}, {24, NID_secp384r1}, {25, NID_secp521r1}};
  for (auto [group, nid] : curves) {
    std::unique_ptr<EC_GROUP, EcGroupFree> ec(EC_GROUP_new_by_curve_name(nid));
    ASSERT_TRUE(ec);
    unsigned char buf[200];
    const size_t len = EC_POINT_point2oct(ec.get(), EC_GROUP_get0_generator(ec.get()),
                                          POINT_CONVERSION_UNCOMPRESSED, buf, sizeof buf, nullptr);
    EXPECT_EQ(placeholder_key_share(group)->key_exchange,
              std::string(reinterpret_cast<char*>(buf), len))
        << group;
  }
}

// ---------------------------------------------------------------- read by OpenSSL

// The suite the server chose; the handshake is not finished, so it is still pending.
int pending_suite(SSL* ssl) {
  const SSL_CIPHER* cipher = SSL_get_pending_cipher(ssl);
  return cipher ? SSL_CIPHER_get_protocol_id(cipher) : -1;
}

class OpenSslReadsHelloTest : public ::testing::Test {
 protected:
  // The server's first record: a handshake record starting with a ServerHello (2).
  static void expect_server_hello(const std::string& reply, uint16_t record_version) {
    ASSERT_GE(reply.size(), 6u) << "no reply";
    EXPECT_EQ(byte_at(reply, 0), 22)
        << "not a handshake record (alert " << int(byte_at(reply, 6)) << ")";
    EXPECT_EQ(u16_at(reply, 1), record_version);
    EXPECT_EQ(byte_at(reply, 5), 2) << "not a ServerHello";
  }
};

TEST_F(OpenSslReadsHelloTest, Tls12Hello) {
  test::ServerConfig config;
  config.max_version = TLS1_2_VERSION;
  auto ctx = test::make_server_context(config);
  test::MemoryServer server(ctx.get());
  ClientHelloSpec spec = probe_spec(kTls12, std::string("raw.test"));
  spec.cipher_suites = {0xC02F};
  spec.alpn = {"h2"};
  spec.status_request = true;
  expect_server_hello(server.respond(build_client_hello(spec)), kTls12);
  EXPECT_EQ(server.last_error(), SSL_ERROR_WANT_READ) << "waits for our next flight";
  EXPECT_EQ(pending_suite(server.ssl()), 0xC02F);
}

TEST_F(OpenSslReadsHelloTest, Tls13HelloWithEachPlaceholderShare) {
  for (const char* group : {"X25519", "X448", "P-256", "P-384", "P-521", "ffdhe2048"}) {
    test::ServerConfig config;
    config.groups = group;
    auto ctx = test::make_server_context(config);
    test::MemoryServer server(ctx.get());
    ClientHelloSpec spec = probe_spec(kTls13, std::string("raw.test"));
    spec.cipher_suites = {0x1301};
    const uint16_t code = std::string(group) == "X25519"  ? 29
                          : std::string(group) == "X448"  ? 30
                          : std::string(group) == "P-256" ? 23
                          : std::string(group) == "P-384" ? 24
                          : std::string(group) == "P-521" ? 25
                                                          : 256;
    spec.key_shares = std::vector<KeyShareEntry>{*placeholder_key_share(code)};
    const std::string reply = server.respond(build_client_hello(spec));
    SCOPED_TRACE(group);
    expect_server_hello(reply, kTls12);
    EXPECT_EQ(SSL_version(server.ssl()), TLS1_3_VERSION);
    // A real ServerHello, not a HelloRetryRequest: the share was taken.
    EXPECT_NE(reply.substr(11, 4), test::from_hex("cf21ad74"));
  }
}

TEST_F(OpenSslReadsHelloTest, Sslv2CompatibleHelloNegotiatesTls) {
  auto ctx = test::make_server_context({});
  test::MemoryServer server(ctx.get());
  const std::string hello =
      build_sslv2_client_hello(kTls12, as_sslv2_specs({0x009C, 0x002F}), std::string(32, 'c'));
  expect_server_hello(server.respond(hello), kTls12);
  EXPECT_EQ(pending_suite(server.ssl()), 0x009C);
}

}  // namespace
}  // namespace tlsfleet::tls
