// ClientSession driven by canned peer bytes: no sockets, as tls/ promises.
#include "tls/client_session.h"

#include <gtest/gtest.h>

#include "tls/client_context.h"

namespace tlsfleet::tls {
namespace {

class ClientSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    contexts_ = make_client_contexts(&error);
    ASSERT_TRUE(contexts_) << error;
    ctx_ = contexts_->modern();
  }
  std::unique_ptr<ClientContexts> contexts_;
  SSL_CTX* ctx_ = nullptr;
};

TEST_F(ClientSessionTest, StartWritesAClientHelloWithSni) {
  ClientSession session(ctx_, std::string("valid.test"));
  EXPECT_EQ(session.start(), ClientSession::State::kHandshaking);
  std::string hello;
  ASSERT_GT(session.take_output(hello), 50u);
  EXPECT_EQ(static_cast<unsigned char>(hello[0]), 22);  // handshake record
  EXPECT_EQ(static_cast<unsigned char>(hello[5]), 1);   // ClientHello
  EXPECT_NE(hello.find("valid.test"), std::string::npos);
  EXPECT_NE(hello.find("http/1.1"), std::string::npos);
  std::string again;
  EXPECT_EQ(session.take_output(again), 0u) << "output is drained once taken";
}

TEST_F(ClientSessionTest, NoSniWhenNoneGiven) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  std::string hello;
  session.take_output(hello);
  EXPECT_EQ(hello.find("valid.test"), std::string::npos);
}

TEST_F(ClientSessionTest, ClearTextHttpAnswerIsPlaintextHttp) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(session.feed(reply.data(), reply.size()), ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kPlaintextHttp);
}

TEST_F(ClientSessionTest, HttpDribbledOneByteAtATimeIsStillPlaintextHttp) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  std::string reply = "HTTP/1.0 200 OK\r\n";
  ClientSession::State state = ClientSession::State::kHandshaking;
  for (size_t i = 0; i < reply.size() && state == ClientSession::State::kHandshaking; ++i) {
    state = session.feed(&reply[i], 1);
  }
  EXPECT_EQ(state, ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kPlaintextHttp);
}

TEST_F(ClientSessionTest, SmtpBannerIsNotTls) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  std::string banner = "220 mail.example ESMTP\r\n";
  EXPECT_EQ(session.feed(banner.data(), banner.size()), ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kNotTls);
}

TEST_F(ClientSessionTest, FatalAlertIsReportedByNumber) {
  ClientSession session(ctx_, std::string("x.test"));
  session.start();
  // A plaintext alert record: fatal (2), handshake_failure (40).
  const char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40};
  EXPECT_EQ(session.feed(alert, sizeof alert), ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kAlert);
  EXPECT_EQ(session.failure().alert, 40);
}

TEST_F(ClientSessionTest, UnrecognizedNameAlert) {
  ClientSession session(ctx_, std::string("x.test"));
  session.start();
  const char alert[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 112};
  session.feed(alert, sizeof alert);
  EXPECT_EQ(session.failure().kind, FailureKind::kAlert);
  EXPECT_EQ(session.failure().alert, 112);
}

TEST_F(ClientSessionTest, GarbageThatLooksLikeARecordIsAProtocolError) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  // A handshake record holding a ServerHello with nonsense inside.
  std::string junk = {0x16, 0x03, 0x03, 0x00, 0x08, 0x02, 0x00, 0x00, 0x04, 0x7f, 0x7f, 0x7f, 0x7f};
  EXPECT_EQ(session.feed(junk.data(), junk.size()), ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kProtocolError);
  EXPECT_FALSE(session.failure().detail.empty());
}

TEST_F(ClientSessionTest, EofBeforeAnyByteIsClosed) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  EXPECT_EQ(session.on_eof(), ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kClosed);
}

TEST_F(ClientSessionTest, EofAfterThreeBytesOfHttpIsNotTls) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  session.feed("HTT", 3);
  EXPECT_EQ(session.state(), ClientSession::State::kHandshaking) << "waits for five bytes";
  EXPECT_EQ(session.on_eof(), ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kNotTls);
}

TEST_F(ClientSessionTest, PartialRecordThenEofIsClosed) {
  ClientSession session(ctx_, std::nullopt);
  session.start();
  const char partial[] = {0x16, 0x03, 0x03, 0x00, 0x40, 0x02};
  EXPECT_EQ(session.feed(partial, sizeof partial), ClientSession::State::kHandshaking);
  EXPECT_EQ(session.on_eof(), ClientSession::State::kFailed);
  EXPECT_EQ(session.failure().kind, FailureKind::kClosed);
}

}  // namespace
}  // namespace tlsfleet::tls
