// RawHelloSession on canned replies, and end to end against a real OpenSSL server SSL
// object over memory BIOs (no sockets).
#include "tls/raw_hello_session.h"

#include <gtest/gtest.h>

#include "tests/tls/raw_test_support.h"
#include "tests/tls/recorded_replies.h"
#include "tls/client_hello.h"

namespace tlsfleet::tls {
namespace {

using State = ProbeSession::State;
using test::from_hex;

std::string any_hello() {
  ClientHelloSpec spec = probe_spec(kTls12, std::string("raw.test"));
  spec.cipher_suites = {0xC02F};
  return build_client_hello(spec);
}

State feed_all(RawHelloSession& session, const std::string& bytes) {
  return session.feed(bytes.data(), bytes.size());
}

TEST(RawHelloSessionTest, StartQueuesTheHelloOnce) {
  const std::string hello = any_hello();
  RawHelloSession session(hello);
  std::string out;
  EXPECT_EQ(session.take_output(out), 0u) << "nothing before start()";
  EXPECT_EQ(session.start(), State::kHandshaking);
  EXPECT_EQ(session.take_output(out), hello.size());
  EXPECT_EQ(out, hello);
  EXPECT_EQ(session.take_output(out), 0u) << "drained once taken";
}

TEST(RawHelloSessionTest, EmptyHelloFailsAsInternal) {
  RawHelloSession session("");
  EXPECT_EQ(session.start(), State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kInternal);
}

TEST(RawHelloSessionTest, DoneExactlyWhenTheServerHelloRecordIsComplete) {
  RawHelloSession session(any_hello());
  session.start();
  const std::string flight = from_hex(test::kTls12EcdheFlight);
  const size_t hello_record = 5 + 0x41;
  for (size_t i = 0; i < flight.size(); ++i) {
    const State state = session.feed(&flight[i], 1);
    if (i + 1 < hello_record) {
      ASSERT_EQ(state, State::kHandshaking) << "byte " << i;
    } else {
      ASSERT_EQ(state, State::kDone) << "byte " << i;
      break;
    }
  }
  EXPECT_EQ(session.reply().kind, ReplyKind::kServerHello);
  EXPECT_EQ(session.reply().hello->cipher_suite, 0xC02B);
  EXPECT_EQ(session.bytes_received(), hello_record);
}

TEST(RawHelloSessionTest, FirstFlightModeWaitsForTheServerKeyExchange) {
  RawHelloOptions options;
  options.parser.read_first_flight = true;
  RawHelloSession session(any_hello(), options);
  session.start();
  const std::string flight = from_hex(test::kTls12EcdheFlight);
  EXPECT_EQ(session.feed(flight.data(), 200), State::kHandshaking);
  EXPECT_EQ(session.feed(flight.data() + 200, flight.size() - 200), State::kDone);
  EXPECT_EQ(session.reply().first_flight->named_curve, 29);
}

TEST(RawHelloSessionTest, AlertIsReportedByNumber) {
  RawHelloSession session(any_hello());
  session.start();
  EXPECT_EQ(feed_all(session, from_hex(test::kAlertHandshakeFailure)), State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kAlert);
  EXPECT_EQ(session.failure().alert, 40);
  EXPECT_EQ(session.reply().alert->description, 40);
}

TEST(RawHelloSessionTest, Sslv2ServerHelloAndError) {
  RawHelloSession hello(build_sslv2_client_hello(kSsl2, {0x010080}));
  hello.start();
  EXPECT_EQ(feed_all(hello, from_hex(test::kSslv2ServerHello)), State::kDone);
  EXPECT_EQ(hello.reply().sslv2->cipher_specs.size(), 2u);

  RawHelloSession error(build_sslv2_client_hello(kSsl2, {0x010080}));
  error.start();
  EXPECT_EQ(feed_all(error, from_hex(test::kSslv2NoCipherError)), State::kFailed);
  EXPECT_EQ(error.failure().kind, FailureKind::kAlert);
  EXPECT_EQ(error.failure().alert, 40) << "NO-CIPHER-ERROR reads as handshake_failure";
}

TEST(RawHelloSessionTest, ClearTextAndGarbage) {
  RawHelloSession http(any_hello());
  http.start();
  EXPECT_EQ(feed_all(http, "HTTP/1.1 400 Bad Request\r\n\r\n"), State::kFailed);
  EXPECT_EQ(http.failure().kind, FailureKind::kPlaintextHttp);

  RawHelloSession smtp(any_hello());
  smtp.start();
  EXPECT_EQ(feed_all(smtp, "220 mail.example ESMTP\r\n"), State::kFailed);
  EXPECT_EQ(smtp.failure().kind, FailureKind::kNotTls);

  RawHelloSession malformed(any_hello());
  malformed.start();
  EXPECT_EQ(feed_all(malformed, from_hex("16 0303 0004 0b 000000")), State::kFailed);
  EXPECT_EQ(malformed.failure().kind, FailureKind::kProtocolError);
  EXPECT_FALSE(malformed.failure().detail.empty());
}

TEST(RawHelloSessionTest, EofIsClosed) {
  RawHelloSession silent(any_hello());
  silent.start();
  EXPECT_EQ(silent.on_eof(), State::kFailed);
  EXPECT_EQ(silent.failure().kind, FailureKind::kClosed);

  RawHelloSession partial(any_hello());
  partial.start();
  EXPECT_EQ(feed_all(partial, from_hex("16 0303 0040 02")), State::kHandshaking);
  EXPECT_EQ(partial.on_eof(), State::kFailed);
  EXPECT_EQ(partial.failure().kind, FailureKind::kClosed);
}

TEST(RawHelloSessionTest, BytesAreCapped) {
  RawHelloOptions options;
  options.max_bytes = 1000;
  RawHelloSession session(any_hello(), options);
  session.start();
  // A legal 16 KB record that never completes within the cap.
  EXPECT_EQ(feed_all(session, from_hex("16 0303 4000 02 003ffc")), State::kHandshaking);
  EXPECT_EQ(feed_all(session, std::string(600, 'x')), State::kHandshaking);
  EXPECT_EQ(feed_all(session, std::string(600, 'x')), State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kProtocolError);
  EXPECT_NE(session.failure().detail.find("1000"), std::string::npos);
  EXPECT_LE(session.bytes_received(), 1000u);
}

// ---------------------------------------------------------------- against OpenSSL

// Sends the session's hello to a fresh OpenSSL server connection and feeds back its reply.
State exchange(RawHelloSession& session, SSL_CTX* server_ctx) {
  test::MemoryServer server(server_ctx);
  session.start();
  std::string hello;
  session.take_output(hello);
  const std::string reply = server.respond(hello);
  if (feed_all(session, reply) == State::kHandshaking) session.on_eof();
  return session.state();
}

TEST(RawHelloSessionEndToEndTest, Tls12ServerHelloNamesTheServersSuite) {
  test::ServerConfig config;
  config.max_version = TLS1_2_VERSION;
  config.ciphers = "ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256";
  config.server_preference = true;
  auto ctx = test::make_server_context(config);
  ClientHelloSpec spec = probe_spec(kTls12, std::string("raw.test"));
  spec.cipher_suites = {0xC030, 0x009C, 0xC02F};
  RawHelloSession session(build_client_hello(spec));
  ASSERT_EQ(exchange(session, ctx.get()), State::kDone) << session.failure().detail;
  EXPECT_EQ(session.reply().hello->version, kTls12);
  EXPECT_EQ(session.reply().hello->cipher_suite, 0xC02F);
  EXPECT_TRUE(session.reply().hello->secure_renegotiation());
}

TEST(RawHelloSessionEndToEndTest, Tls13EmptyKeyShareDrawsAHelloRetryRequestNamingTheGroup) {
  test::ServerConfig config;
  config.groups = "P-384";
  auto ctx = test::make_server_context(config);
  ClientHelloSpec spec = probe_spec(kTls13, std::string("raw.test"));
  spec.cipher_suites = {0x1302};
  RawHelloSession session(build_client_hello(spec));
  ASSERT_EQ(exchange(session, ctx.get()), State::kDone) << session.failure().detail;
  EXPECT_EQ(session.reply().kind, ReplyKind::kHelloRetryRequest);
  EXPECT_EQ(session.reply().hello->key_share_group, 24) << "secp384r1";
  EXPECT_EQ(session.reply().hello->cipher_suite, 0x1302);
}

TEST(RawHelloSessionEndToEndTest, Tls12FirstFlightNamesTheEcdheCurve) {
  test::ServerConfig config;
  config.max_version = TLS1_2_VERSION;
  config.groups = "P-521";
  auto ctx = test::make_server_context(config);
  ClientHelloSpec spec = probe_spec(kTls12, std::nullopt);
  spec.cipher_suites = {0xC02F, 0xC02B};
  RawHelloOptions options;
  options.parser.read_first_flight = true;
  RawHelloSession session(build_client_hello(spec), options);
  ASSERT_EQ(exchange(session, ctx.get()), State::kDone) << session.failure().detail;
  ASSERT_TRUE(session.reply().first_flight);
  EXPECT_TRUE(session.reply().first_flight->complete);
  EXPECT_EQ(session.reply().first_flight->named_curve, 25) << "secp521r1";
  EXPECT_GT(session.reply().first_flight->certificate_bytes, 100u);
}

TEST(RawHelloSessionEndToEndTest, SuiteTheServerLacksIsAHandshakeFailureAlert) {
  auto ctx = test::make_server_context({});
  ClientHelloSpec spec = probe_spec(kTls12, std::nullopt);
  spec.cipher_suites = {0x0005, 0x000A};  // RC4 and 3DES: Debian's OpenSSL has neither
  RawHelloSession session(build_client_hello(spec));
  ASSERT_EQ(exchange(session, ctx.get()), State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kAlert);
  EXPECT_EQ(session.failure().alert, 40);
}

TEST(RawHelloSessionEndToEndTest, Sslv3HelloIsRefusedByAModernServer) {
  auto ctx = test::make_server_context({});
  ClientHelloSpec spec = probe_spec(kSsl3, std::nullopt);
  spec.cipher_suites = {0x002F, 0x0005};
  RawHelloSession session(build_client_hello(spec));
  ASSERT_EQ(exchange(session, ctx.get()), State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kAlert);
}

}  // namespace
}  // namespace tlsfleet::tls
