// The first-reply parser on recorded `openssl s_server` replies and hand-made SSLv2/SSLv3
// bytes: whole, split at every byte boundary, re-framed, truncated, oversized, garbage.
#include "tls/server_hello.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/tls/raw_test_support.h"
#include "tests/tls/recorded_replies.h"
#include "tls/iana_registry.h"

namespace tlsfleet::tls {
namespace {

using test::from_hex;

std::string record(uint8_t type, uint16_t version, const std::string& payload) {
  std::string r = {static_cast<char>(type), static_cast<char>(version >> 8),
                   static_cast<char>(version & 0xff), static_cast<char>(payload.size() >> 8),
                   static_cast<char>(payload.size() & 0xff)};
  return r + payload;
}

std::string handshake(uint8_t type, const std::string& body) {
  const size_t n = body.size();
  return std::string{static_cast<char>(type), static_cast<char>(n >> 16),
                     static_cast<char>((n >> 8) & 0xff), static_cast<char>(n & 0xff)} +
         body;
}

// A ServerHello body: version, random 0x33.., no session id, suite, null compression, and
// extensions (hex, without the block length) when given.
std::string server_hello_body(uint16_t version, uint16_t suite, const std::string& ext_hex,
                              bool with_block = true) {
  std::string body = {static_cast<char>(version >> 8), static_cast<char>(version & 0xff)};
  body += std::string(32, '\x33');
  body += std::string(1, '\0');
  body += {static_cast<char>(suite >> 8), static_cast<char>(suite & 0xff), '\0'};
  if (with_block) {
    const std::string ext = from_hex(ext_hex);
    body += {static_cast<char>(ext.size() >> 8), static_cast<char>(ext.size() & 0xff)};
    body += ext;
  }
  return body;
}

std::string server_hello_record(const std::string& body) {
  return record(22, kTls12, handshake(2, body));
}

ServerReply parse_whole(std::string_view bytes, ParserOptions options = {}) {
  ServerReplyParser parser(options);
  parser.feed(bytes);
  parser.finish();
  return parser.reply();
}

// The facts a test compares between two parses of the same bytes.
std::string summary(const ServerReply& r) {
  std::string s = std::to_string(static_cast<int>(r.kind));
  if (r.hello) {
    s += " v" + std::to_string(r.hello->version) + " s" + std::to_string(r.hello->cipher_suite) +
         " g" + std::to_string(r.hello->key_share_group.value_or(0)) + " e" +
         std::to_string(r.hello->extensions.size()) + " " + r.hello->alpn.value_or("-");
  }
  if (r.first_flight) {
    s += " ff" + std::to_string(r.first_flight->complete) + " c" +
         std::to_string(r.first_flight->named_curve.value_or(0)) + " p" +
         std::to_string(r.first_flight->dh_prime_bits.value_or(0)) + " cert" +
         std::to_string(r.first_flight->certificate_bytes);
  }
  if (r.sslv2) s += " sslv2 " + std::to_string(r.sslv2->cipher_specs.size());
  if (r.alert) s += " alert " + std::to_string(r.alert->description);
  return s;
}

TEST(ServerHelloTest, RecordedTls12Flight) {
  const ServerReply r = parse_whole(from_hex(test::kTls12EcdheFlight));
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_EQ(r.hello->version, kTls12);
  EXPECT_FALSE(r.hello->selected_version);
  EXPECT_EQ(r.hello->cipher_suite, 0xC02B);
  EXPECT_EQ(r.hello->compression, 0);
  EXPECT_TRUE(r.hello->session_id.empty());
  EXPECT_EQ(r.hello->extensions, (std::vector<uint16_t>{0xff01, 11, 35, 23}));
  EXPECT_TRUE(r.hello->secure_renegotiation());
  EXPECT_TRUE(r.hello->extended_master_secret());
  EXPECT_EQ(r.hello->downgrade, DowngradeSentinel::kTls12) << "the server also speaks TLS 1.3";
  EXPECT_FALSE(r.first_flight) << "not asked for";
}

TEST(ServerHelloTest, RecordedTls12FirstFlightNamesTheCurve) {
  ParserOptions options;
  options.read_first_flight = true;
  const ServerReply r = parse_whole(from_hex(test::kTls12EcdheFlight), options);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  ASSERT_TRUE(r.first_flight);
  EXPECT_TRUE(r.first_flight->complete);
  EXPECT_EQ(r.first_flight->named_curve, 29) << "x25519";
  EXPECT_EQ(r.first_flight->certificate_bytes, 0x184u);
  EXPECT_TRUE(r.first_flight->server_key_exchange);
}

TEST(ServerHelloTest, RecordedDheFlightWithAlpn) {
  ParserOptions options;
  options.read_first_flight = true;
  const ServerReply r = parse_whole(from_hex(test::kTls12DheAlpnFlight), options);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_EQ(r.hello->cipher_suite, 0x009E);
  EXPECT_EQ(r.hello->alpn, "h2");
  EXPECT_EQ(r.first_flight->dh_prime_bits, 1024u);
  EXPECT_FALSE(r.first_flight->named_curve);
}

TEST(ServerHelloTest, RecordedTls13ServerHello) {
  const ServerReply r = parse_whole(from_hex(test::kTls13ServerHelloFlight));
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_EQ(r.hello->legacy_version, kTls12);
  EXPECT_EQ(r.hello->selected_version, kTls13);
  EXPECT_EQ(r.hello->version, kTls13);
  EXPECT_EQ(r.hello->cipher_suite, 0x1301);
  EXPECT_EQ(r.hello->key_share_group, 29);
  EXPECT_EQ(r.hello->session_id, std::string(32, '\x5a')) << "our session id echoed";
  EXPECT_EQ(r.hello->downgrade, DowngradeSentinel::kNone);
}

TEST(ServerHelloTest, RecordedTls13ServerHelloIgnoresFirstFlightOption) {
  ParserOptions options;
  options.read_first_flight = true;
  const ServerReply r = parse_whole(from_hex(test::kTls13ServerHelloFlight), options);
  EXPECT_EQ(r.kind, ReplyKind::kServerHello) << "the rest is encrypted: done at the ServerHello";
  EXPECT_FALSE(r.first_flight);
}

TEST(ServerHelloTest, RecordedHelloRetryRequest) {
  const ServerReply r = parse_whole(from_hex(test::kHelloRetryRequest));
  ASSERT_EQ(r.kind, ReplyKind::kHelloRetryRequest) << r.detail;
  EXPECT_EQ(r.hello->version, kTls13);
  EXPECT_EQ(r.hello->cipher_suite, 0x1301);
  EXPECT_EQ(r.hello->key_share_group, 29);
}

TEST(ServerHelloTest, RecordedAlerts) {
  for (auto [bytes, description] :
       {std::pair{test::kAlertHandshakeFailure, 40}, std::pair{test::kAlertInternalErrorTls10, 80},
        std::pair{test::kAlertToSslv3Hello, 40}}) {
    const ServerReply r = parse_whole(from_hex(bytes));
    ASSERT_EQ(r.kind, ReplyKind::kAlert) << r.detail;
    EXPECT_EQ(r.alert->level, 2);
    EXPECT_EQ(r.alert->description, description);
  }
}

TEST(ServerHelloTest, HandMadeSslv3ExportServerHello) {
  const ServerReply r = parse_whole(from_hex(test::kSslv3ExportServerHello));
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_EQ(r.hello->version, kSsl3);
  EXPECT_EQ(r.hello->cipher_suite, 0x0003);
  EXPECT_EQ(r.hello->session_id, std::string(32, '\x22'));
  EXPECT_TRUE(r.hello->extensions.empty());
}

TEST(ServerHelloTest, HandMadeSslv3FlightIsReadToServerHelloDone) {
  ParserOptions options;
  options.read_first_flight = true;
  const std::string flight =
      from_hex(test::kSslv3ExportServerHello) + from_hex(test::kSslv3ExportFlightTail);
  const ServerReply r = parse_whole(flight, options);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_TRUE(r.first_flight->complete);
  EXPECT_TRUE(r.first_flight->server_key_exchange);
  EXPECT_EQ(r.first_flight->certificate_bytes, 14u);
  EXPECT_FALSE(r.first_flight->named_curve);
}

TEST(ServerHelloTest, HandMadeSslv2ServerHello) {
  const ServerReply r = parse_whole(from_hex(test::kSslv2ServerHello));
  ASSERT_EQ(r.kind, ReplyKind::kSslv2ServerHello) << r.detail;
  EXPECT_EQ(r.sslv2->version, kSsl2);
  EXPECT_FALSE(r.sslv2->session_id_hit);
  EXPECT_EQ(r.sslv2->certificate_type, 1);
  EXPECT_EQ(r.sslv2->certificate_length, 16u);
  EXPECT_EQ(r.sslv2->cipher_specs, (std::vector<uint32_t>{0x010080, 0x0700C0}));
  EXPECT_EQ(r.sslv2->connection_id_length, 16u);
}

TEST(ServerHelloTest, HandMadeSslv2Error) {
  const ServerReply r = parse_whole(from_hex(test::kSslv2NoCipherError));
  ASSERT_EQ(r.kind, ReplyKind::kSslv2Error) << r.detail;
  EXPECT_EQ(r.sslv2_error, 1);
}

// Every sample, cut in two at every byte boundary and fed in one-byte drips, must parse
// exactly as it does whole, in both reading modes.
TEST(ServerHelloTest, EverySplitParsesLikeTheWhole) {
  const std::vector<std::string> samples = {
      from_hex(test::kTls12EcdheFlight),
      from_hex(test::kTls12DheAlpnFlight),
      from_hex(test::kTls13ServerHelloFlight),
      from_hex(test::kHelloRetryRequest),
      from_hex(test::kAlertHandshakeFailure),
      from_hex(test::kSslv3ExportServerHello) + from_hex(test::kSslv3ExportFlightTail),
      from_hex(test::kSslv2ServerHello),
      from_hex(test::kSslv2NoCipherError),
  };
  for (bool first_flight : {false, true}) {
    ParserOptions options;
    options.read_first_flight = first_flight;
    for (const std::string& sample : samples) {
      const std::string whole = summary(parse_whole(sample, options));
      ASSERT_NE(whole.substr(0, 2), "0 ") << "the whole sample decides";
      for (size_t cut = 1; cut < sample.size(); ++cut) {
        ServerReplyParser parser(options);
        parser.feed(std::string_view(sample).substr(0, cut));
        parser.feed(std::string_view(sample).substr(cut));
        parser.finish();
        ASSERT_EQ(summary(parser.reply()), whole) << "cut at " << cut;
      }
      ServerReplyParser drip(options);
      for (char c : sample) drip.feed(std::string_view(&c, 1));
      drip.finish();
      EXPECT_EQ(summary(drip.reply()), whole);
    }
  }
}

TEST(ServerHelloTest, HandshakeMessagesSpreadOverManyRecords) {
  // The recorded TLS 1.2 flight's handshake bytes re-framed into records of 1, 2, 7 and
  // 100 bytes: every message, the skipped Certificate included, crosses record borders.
  const std::string flight = from_hex(test::kTls12EcdheFlight);
  std::string messages;
  for (size_t at = 0; at < flight.size();) {
    const size_t len =
        static_cast<uint8_t>(flight[at + 3]) << 8 | static_cast<uint8_t>(flight[at + 4]);
    messages += flight.substr(at + 5, len);
    at += 5 + len;
  }
  ParserOptions options;
  options.read_first_flight = true;
  const std::string expected = summary(parse_whole(flight, options));
  for (size_t size : {1, 2, 7, 100}) {
    std::string reframed;
    for (size_t at = 0; at < messages.size(); at += size) {
      reframed += record(22, kTls12, messages.substr(at, size));
    }
    EXPECT_EQ(summary(parse_whole(reframed, options)), expected) << size << "-byte records";
    EXPECT_EQ(parse_whole(reframed, options).first_flight->named_curve, 29);
  }
}

TEST(ServerHelloTest, EveryTruncationIsTruncated) {
  const std::string hrr = from_hex(test::kHelloRetryRequest).substr(0, 5 + 0x58);
  for (size_t cut = 0; cut < hrr.size(); ++cut) {
    ServerReplyParser parser;
    EXPECT_EQ(parser.feed(std::string_view(hrr).substr(0, cut)), ReplyKind::kIncomplete);
    EXPECT_EQ(parser.finish(), ReplyKind::kTruncated) << "cut at " << cut;
  }
  ServerReplyParser parser;
  EXPECT_EQ(parser.feed(hrr), ReplyKind::kHelloRetryRequest) << "and the whole is enough";
}

TEST(ServerHelloTest, FirstFlightCutShortKeepsTheServerHello) {
  ParserOptions options;
  options.read_first_flight = true;
  const std::string flight = from_hex(test::kTls12EcdheFlight).substr(0, 200);
  ServerReplyParser parser(options);
  EXPECT_EQ(parser.feed(flight), ReplyKind::kIncomplete) << "waits for the rest of the flight";
  EXPECT_EQ(parser.finish(), ReplyKind::kServerHello);
  EXPECT_EQ(parser.reply().hello->cipher_suite, 0xC02B);
  EXPECT_FALSE(parser.reply().first_flight->complete);
}

TEST(ServerHelloTest, MessageAnnouncing16MegabytesIsRefusedAtItsHeader) {
  ServerReplyParser parser;
  // A record holding only a ServerHello header that announces 0xFFFFFF bytes: refused
  // there, without waiting for (or buffering) the body.
  EXPECT_EQ(parser.feed(from_hex("16 0303 0004 02 ffffff")), ReplyKind::kProtocolError);
  EXPECT_NE(parser.reply().detail.find("16777215"), std::string::npos) << parser.reply().detail;
  // Above the configured cap, not only at 16 MB.
  ParserOptions small;
  small.max_message = 100;
  ServerReplyParser capped(small);
  EXPECT_EQ(capped.feed(from_hex("16 0303 0004 02 000065")), ReplyKind::kProtocolError);
}

TEST(ServerHelloTest, OversizedServerKeyExchangeEndsTheFlightButKeepsTheHello) {
  ParserOptions options;
  options.read_first_flight = true;
  const std::string bytes = server_hello_record(server_hello_body(kTls12, 0xC02F, "")) +
                            record(22, kTls12, from_hex("0c ffffff"));
  const ServerReply r = parse_whole(bytes, options);
  EXPECT_EQ(r.kind, ReplyKind::kServerHello);
  EXPECT_FALSE(r.first_flight->complete);
}

TEST(ServerHelloTest, AlertAfterTheServerHelloKeepsTheHello) {
  ParserOptions options;
  options.read_first_flight = true;
  const std::string bytes = server_hello_record(server_hello_body(kTls12, 0xC02F, "")) +
                            record(21, kTls12, from_hex("02 50"));
  const ServerReply r = parse_whole(bytes, options);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello);
  EXPECT_EQ(r.hello->cipher_suite, 0xC02F);
  EXPECT_EQ(r.alert->description, 80);
  EXPECT_FALSE(r.first_flight->complete);
}

TEST(ServerHelloTest, HugeCertificateIsSkippedNotBuffered) {
  ParserOptions options;
  options.read_first_flight = true;
  options.max_message = 1024;  // far below the certificate's size
  std::string messages = handshake(2, server_hello_body(kTls12, 0xC02F, ""));
  messages += handshake(11, std::string(100000, 'C'));
  messages += handshake(12, from_hex("03 0017 41") + std::string(65, '\x04'));
  messages += handshake(14, "");
  std::string bytes;
  for (size_t at = 0; at < messages.size(); at += 16384) {
    bytes += record(22, kTls12, messages.substr(at, 16384));
  }
  const ServerReply r = parse_whole(bytes, options);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_EQ(r.first_flight->certificate_bytes, 100000u);
  EXPECT_EQ(r.first_flight->named_curve, 23);
}

TEST(ServerHelloTest, OversizedRecordIsAProtocolError) {
  ServerReplyParser parser;
  EXPECT_EQ(parser.feed(from_hex("16 0303 ffff")), ReplyKind::kProtocolError);
}

TEST(ServerHelloTest, GarbageIsNotTls) {
  EXPECT_EQ(parse_whole("HTTP/1.1 400 Bad Request\r\n\r\n").kind, ReplyKind::kPlaintextHttp);
  EXPECT_EQ(parse_whole("SSH-2.0-OpenSSH_9.2\r\n").kind, ReplyKind::kNotTls);
  EXPECT_EQ(parse_whole(from_hex("16 0200 0004 02000000")).kind, ReplyKind::kNotTls);
  EXPECT_EQ(parse_whole("HTT").kind, ReplyKind::kNotTls) << "three bytes, then EOF";
  EXPECT_EQ(parse_whole("").kind, ReplyKind::kTruncated) << "nothing at all";
}

TEST(ServerHelloTest, UnexpectedRecordsBeforeTheServerHelloAreProtocolErrors) {
  EXPECT_EQ(parse_whole(from_hex("14 0303 0001 01")).kind, ReplyKind::kProtocolError);
  EXPECT_EQ(parse_whole(from_hex("17 0303 0002 abcd")).kind, ReplyKind::kProtocolError);
  EXPECT_EQ(parse_whole(record(22, kTls12, handshake(11, "xx"))).kind, ReplyKind::kProtocolError)
      << "a Certificate where the ServerHello belongs";
  // A later record whose header is not TLS.
  const std::string bad = from_hex("16 0303 0000") + from_hex("63 0303 0000");
  EXPECT_EQ(parse_whole(bad).kind, ReplyKind::kProtocolError);
}

TEST(ServerHelloTest, HelloRequestAndUnrecognizedNameWarningAreTolerated) {
  const std::string bytes = record(22, kTls12, handshake(0, "")) +
                            record(21, kTls12, from_hex("01 70")) +
                            server_hello_record(server_hello_body(kTls12, 0xC02F, ""));
  const ServerReply r = parse_whole(bytes);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].description, 112);
}

TEST(ServerHelloTest, OtherWarningsEndTheHandshake) {
  const ServerReply r = parse_whole(record(21, kTls12, from_hex("01 00")));
  ASSERT_EQ(r.kind, ReplyKind::kAlert);
  EXPECT_EQ(r.alert->level, 1);
  EXPECT_EQ(r.alert->description, 0) << "close_notify";
}

TEST(ServerHelloTest, AlertSplitAcrossRecords) {
  const std::string bytes = record(21, kTls12, from_hex("02")) + record(21, kTls12, from_hex("46"));
  const ServerReply r = parse_whole(bytes);
  ASSERT_EQ(r.kind, ReplyKind::kAlert);
  EXPECT_EQ(r.alert->description, 70);
}

TEST(ServerHelloTest, MalformedServerHellos) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"repeated extension", server_hello_body(kTls12, 0xC02F, "0017 0000 0017 0000")},
      {"extension overruns its block", server_hello_body(kTls12, 0xC02F, "0017 0004 00")},
      {"block length short", server_hello_body(kTls12, 0xC02F, "0017 0000") + "x"},
      {"one stray byte", server_hello_body(kTls12, 0xC02F, "", false) + "x"},
      {"version 2.0", server_hello_body(0x0200, 0xC02F, "")},
      {"supported_versions of 3 bytes", server_hello_body(kTls12, 0x1301, "002b 0003 030400")},
      {"key_share without a key",
       server_hello_body(kTls12, 0x1301, "002b 0002 0304 0033 0004 001d 0000")},
      {"ALPN with two protocols",
       server_hello_body(kTls12, 0xC02F, "0010 0008 0006 02683202 6832")},
      {"truncated", server_hello_body(kTls12, 0xC02F, "", false).substr(0, 20)},
  };
  for (const auto& [what, body] : cases) {
    EXPECT_EQ(parse_whole(server_hello_record(body)).kind, ReplyKind::kProtocolError) << what;
  }
  std::string long_session = server_hello_body(kTls12, 0xC02F, "", false);
  long_session[34] = 40;  // session id length 40
  long_session.insert(35, std::string(40, 's'));
  EXPECT_EQ(parse_whole(server_hello_record(long_session)).kind, ReplyKind::kProtocolError);
}

TEST(ServerHelloTest, DowngradeSentinelForTls11AndBelow) {
  std::string body = server_hello_body(kTls11, 0x002F, "", false);
  body.replace(2 + 24, 8, std::string("DOWNGRD\0", 8));
  const ServerReply r = parse_whole(server_hello_record(body));
  ASSERT_EQ(r.kind, ReplyKind::kServerHello);
  EXPECT_EQ(r.hello->downgrade, DowngradeSentinel::kTls11OrBelow);
}

// Recorded samples with random bytes changed, fed in random pieces: whatever arrives,
// finish() decides, and nothing reads out of bounds (run under ASan to see the latter).
TEST(ServerHelloTest, MutatedSamplesAlwaysDecide) {
  const std::vector<std::string> samples = {
      from_hex(test::kTls12EcdheFlight), from_hex(test::kTls13ServerHelloFlight),
      from_hex(test::kHelloRetryRequest), from_hex(test::kSslv2ServerHello),
      from_hex(test::kSslv3ExportServerHello) + from_hex(test::kSslv3ExportFlightTail)};
  std::mt19937 random(20261127);
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = samples[round % samples.size()];
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) bytes[random() % bytes.size()] = static_cast<char>(random());
    if (random() % 3 == 0) bytes.resize(random() % bytes.size());
    ParserOptions options;
    options.read_first_flight = random() % 2 == 0;
    ServerReplyParser parser(options);
    for (size_t at = 0; at < bytes.size();) {
      const size_t n = std::min(bytes.size() - at, size_t{1} + random() % 64);
      parser.feed(std::string_view(bytes).substr(at, n));
      at += n;
    }
    ASSERT_NE(parser.finish(), ReplyKind::kIncomplete) << "round " << round;
    EXPECT_FALSE(parser.reply().detail.empty());
  }
}

TEST(ServerHelloTest, BytesAfterTheVerdictAreIgnored) {
  ServerReplyParser parser;
  const std::string alert = from_hex(test::kAlertHandshakeFailure);
  EXPECT_EQ(parser.feed(alert), ReplyKind::kAlert);
  EXPECT_EQ(parser.feed("garbage after the alert"), ReplyKind::kAlert);
  EXPECT_EQ(parser.finish(), ReplyKind::kAlert);
  EXPECT_EQ(parser.bytes_fed(), alert.size()) << "nothing counted once decided";
}

}  // namespace
}  // namespace tlsfleet::tls

namespace tlsfleet::tls {
namespace {

std::string vec16(const std::string& bytes) {
  return std::string{static_cast<char>(bytes.size() >> 8), static_cast<char>(bytes.size() & 0xff)} +
         bytes;
}

// A TLS 1.2 DHE_RSA first flight: ServerHello, ServerKeyExchange with prime p, g = 2, a
// placeholder public value and signature (nothing is verified), ServerHelloDone.
std::string dhe_flight(const std::string& p) {
  const std::string ske = vec16(p) + vec16(std::string(1, '\x02')) +
                          vec16(std::string(p.size(), '\x5a')) + from_hex("0401") +
                          vec16(std::string(256, '\x77'));
  return server_hello_record(server_hello_body(kTls12, 0x009E, "ff01000100")) +
         record(22, kTls12, handshake(12, ske) + handshake(14, ""));
}

TEST(ServerHelloTest, Rfc7919PrimesComeFromOpenSsl) {
  // RFC 7919 appendix A.1: ffdhe2048's p starts FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A and
  // ends 886B4238 61285C97 FFFFFFFF FFFFFFFF.
  const std::string& p2048 = ffdhe_prime(256);
  ASSERT_EQ(p2048.size(), 256u);
  EXPECT_EQ(p2048.substr(0, 16), from_hex("FFFFFFFFFFFFFFFFADF85458A2BB4A9A"));
  EXPECT_EQ(p2048.substr(240), from_hex("886B423861285C97FFFFFFFFFFFFFFFF"));
  const size_t bytes[] = {256, 384, 512, 768, 1024};
  for (uint16_t g = 256; g <= 260; ++g) {
    EXPECT_EQ(ffdhe_prime(g).size(), bytes[g - 256]) << g;
    EXPECT_EQ(ffdhe_group_of_prime(ffdhe_prime(g)), g);
    // The same leading 64 bits in every group (2^b - 2^(b-64) + ...).
    EXPECT_EQ(ffdhe_prime(g).substr(0, 16), p2048.substr(0, 16)) << g;
  }
  EXPECT_TRUE(ffdhe_prime(29).empty());
  EXPECT_EQ(ffdhe_group_of_prime(std::string(1, '\0') + p2048), 256) << "leading zero ignored";
}

TEST(ServerHelloTest, DheServerKeyExchangeNamesTheRfc7919Group) {
  ParserOptions options;
  options.read_first_flight = true;
  for (uint16_t g : {256, 257}) {
    const ServerReply r = parse_whole(dhe_flight(ffdhe_prime(g)), options);
    ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
    ASSERT_TRUE(r.first_flight);
    EXPECT_TRUE(r.first_flight->complete);
    EXPECT_EQ(r.first_flight->dh_group, g);
    EXPECT_EQ(r.first_flight->dh_prime_bits, g == 256 ? 2048u : 3072u);
    EXPECT_FALSE(r.first_flight->named_curve);
  }
}

TEST(ServerHelloTest, DheServerKeyExchangeWithItsOwnPrimeNamesNoGroup) {
  ParserOptions options;
  options.read_first_flight = true;
  std::string custom = ffdhe_prime(256);
  custom[200] ^= 0x10;  // any other 2048-bit prime (primality is not checked)
  const ServerReply r = parse_whole(dhe_flight(custom), options);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_FALSE(r.first_flight->dh_group);
  EXPECT_EQ(r.first_flight->dh_prime_bits, 2048u);
  // A 1024-bit prime (RFC 2409 group 2 is not an RFC 7919 one): its size only.
  const ServerReply small = parse_whole(dhe_flight(ffdhe_prime(256).substr(0, 128)), options);
  EXPECT_FALSE(small.first_flight->dh_group);
  EXPECT_EQ(small.first_flight->dh_prime_bits, 1024u);
}

TEST(ServerHelloTest, RecordedDheFlightHasNoRfc7919Group) {
  ParserOptions options;
  options.read_first_flight = true;
  const ServerReply r = parse_whole(from_hex(test::kTls12DheAlpnFlight), options);
  ASSERT_EQ(r.kind, ReplyKind::kServerHello) << r.detail;
  EXPECT_EQ(r.first_flight->dh_prime_bits, 1024u);
  EXPECT_FALSE(r.first_flight->dh_group) << "a 1024-bit prime is no RFC 7919 group";
}

}  // namespace
}  // namespace tlsfleet::tls
