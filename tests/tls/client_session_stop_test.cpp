// ClientSession stop points, against a real OpenSSL server over memory BIOs: a probe that
// needs only the ServerHello (or the server's certificate) stops there, before any key
// exchange, signature check or Finished of ours, and can still finish when asked to.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <functional>
#include <string>

#include "tests/tls/test_pki.h"
#include "tls/client_context.h"
#include "tls/client_session.h"

namespace tlsfleet::tls {
namespace {

using test::issue;
using test::keys;

// One chain for every test server: leaf (P-256, cheap to sign) <- intermediate <- root.
struct Pki {
  X509Ptr root = issue(test::root_spec(), keys().root.get());
  X509Ptr intermediate =
      issue(test::intermediate_spec(), keys().intermediate.get(), root.get(), keys().root.get());
  X509Ptr leaf = issue(test::leaf_spec("stop.test"), keys().ec_p256.get(), intermediate.get(),
                       keys().intermediate.get());
};

const Pki& pki() {
  static const Pki p;
  return p;
}

std::string der_of(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

struct ServerOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  const char* groups = nullptr;  // e.g. "P-256" to force a HelloRetryRequest
};

SslCtxPtr make_server_context(const ServerOptions& o) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  EXPECT_TRUE(ctx);
  SSL_CTX_set_min_proto_version(ctx.get(), o.min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), o.max_version);
  EXPECT_EQ(SSL_CTX_use_certificate(ctx.get(), pki().leaf.get()), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), keys().ec_p256.get()), 1);
  X509_up_ref(pki().intermediate.get());
  EXPECT_EQ(SSL_CTX_add_extra_chain_cert(ctx.get(), pki().intermediate.get()), 1);
  if (o.groups) {
    EXPECT_EQ(SSL_CTX_set1_groups_list(ctx.get(), o.groups), 1);
  }
  const unsigned char id[] = "stop-test";
  SSL_CTX_set_session_id_context(ctx.get(), id, sizeof id - 1);
  return ctx;
}

// One server connection over memory BIOs.
class Server {
 public:
  explicit Server(SSL_CTX* ctx) : ssl_(SSL_new(ctx)) {
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_.get(), rbio_, wbio_);
    SSL_set_accept_state(ssl_.get());
  }
  void receive(const std::string& bytes) {
    if (!bytes.empty()) BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size()));
    if (!SSL_is_init_finished(ssl_.get())) {
      SSL_do_handshake(ssl_.get());
    } else {
      char discard[1024];
      while (SSL_read(ssl_.get(), discard, sizeof discard) > 0) {
      }
    }
    ERR_clear_error();
  }
  std::string take_output() {
    char* data = nullptr;
    long len = BIO_get_mem_data(wbio_, &data);
    std::string out(data, static_cast<size_t>(len > 0 ? len : 0));
    (void)BIO_reset(wbio_);
    return out;
  }
  bool finished() const { return SSL_is_init_finished(ssl_.get()); }

 private:
  SslPtr ssl_;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
};

using Transform = std::function<std::string(const std::string&)>;

// Exchanges bytes until neither side has anything to say or the client is no longer
// handshaking. transform rewrites each flight of the server before the client sees it.
// Returns how many bytes the client sent after its first flight.
size_t talk(ClientSession& client, Server& server, const Transform& transform = nullptr) {
  std::string out;
  client.start();
  client.take_output(out);
  size_t later = 0;
  bool first = true;
  for (int round = 0; round < 10; ++round) {
    if (!first) later += out.size();
    first = false;
    server.receive(out);
    out.clear();
    std::string reply = server.take_output();
    if (transform) reply = transform(reply);
    if (reply.empty()) break;
    ClientSession::State state = client.feed(reply.data(), reply.size());
    client.take_output(out);
    if (state != ClientSession::State::kHandshaking && out.empty()) break;
  }
  if (!out.empty()) {
    later += out.size();
    server.receive(out);
  }
  return later;
}

// Packs the clear-text handshake records of a flight into one record, as some servers do
// (record framing is no part of the transcript, so the handshake stays valid).
std::string coalesce_handshake_records(const std::string& flight) {
  std::string body, rest;
  size_t at = 0;
  std::string version;
  while (at + 5 <= flight.size()) {
    size_t len = (static_cast<uint8_t>(flight[at + 3]) << 8) | static_cast<uint8_t>(flight[at + 4]);
    if (flight[at] == 22 && rest.empty()) {
      version = flight.substr(at + 1, 2);
      body += flight.substr(at + 5, len);
    } else {
      rest += flight.substr(at, 5 + len);
    }
    at += 5 + len;
  }
  if (body.empty() || body.size() > 16384) return flight;
  std::string header = {22, version[0], version[1], static_cast<char>(body.size() >> 8),
                        static_cast<char>(body.size() & 0xff)};
  return header + body + rest + flight.substr(at);
}

class ClientSessionStopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    contexts_ = make_client_contexts(&error);
    ASSERT_TRUE(contexts_) << error;
  }
  std::unique_ptr<ClientContexts> contexts_;
};

TEST_F(ClientSessionStopTest, Tls13StopsAtTheServerHello) {
  SslCtxPtr server_ctx = make_server_context({});
  Server server(server_ctx.get());
  ClientSession client(contexts_->modern(), std::string("stop.test"));
  client.set_stop_point(StopPoint::kServerHello);
  size_t sent_later = talk(client, server);
  ASSERT_EQ(client.state(), ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kServerHello);
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_3_VERSION);
  EXPECT_NE(SSL_get_current_cipher(client.ssl()), nullptr);
  EXPECT_FALSE(client.reused());
  EXPECT_EQ(SSL_get_peer_cert_chain(client.ssl()), nullptr) << "the certificate was not read";
  EXPECT_EQ(sent_later, 0u) << "no Finished of ours";
  EXPECT_FALSE(server.finished());
  EXPECT_EQ(client.session(), nullptr);
}

// The contexts a scan worker uses live in an OpenSSL library context of their own
// (make_client_contexts with own_library): complete handshakes, TLS 1.3 with the modern
// profile and TLS 1.2 with a legacy one, against a server in OpenSSL's default context.
TEST_F(ClientSessionStopTest, ContextsInTheirOwnLibraryCompleteHandshakes) {
  std::string error;
  std::unique_ptr<ClientContexts> own = make_client_contexts(&error, /*own_library=*/true);
  ASSERT_TRUE(own) << error;
  ASSERT_NE(own->library(), nullptr);
  EXPECT_EQ(contexts_->library(), nullptr) << "the default: OpenSSL's own library context";
  SslCtxPtr server_ctx = make_server_context({});
  for (SSL_CTX* ctx : {own->modern(), own->tls12()}) {
    Server server(server_ctx.get());
    ClientSession client(ctx, std::string("stop.test"));
    talk(client, server);
    ASSERT_EQ(client.state(), ClientSession::State::kDone) << client.failure().detail;
    EXPECT_EQ(client.stopped_at(), StopPoint::kFinished);
    EXPECT_EQ(SSL_version(client.ssl()), ctx == own->modern() ? TLS1_3_VERSION : TLS1_2_VERSION);
    EXPECT_NE(SSL_get0_peer_certificate(client.ssl()), nullptr);
  }
}

TEST_F(ClientSessionStopTest, Tls12StopsAtTheServerHelloAndCanStillFinish) {
  SslCtxPtr server_ctx = make_server_context({});
  Server server(server_ctx.get());
  ClientSession client(contexts_->tls12(), std::string("stop.test"));
  client.set_stop_point(StopPoint::kServerHello);
  EXPECT_EQ(talk(client, server), 0u);
  ASSERT_EQ(client.state(), ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kServerHello);
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_get_peer_cert_chain(client.ssl()), nullptr) << "the certificate was not read";
  unsigned int id_length = 0;
  SSL_SESSION_get_id(SSL_get_session(client.ssl()), &id_length);
  EXPECT_GT(id_length, 0u) << "the ServerHello's session ID is known at the stop";

  // The ServerHello shows a session worth keeping: go on with what was held back.
  ClientSession::State state = client.proceed();
  std::string out;
  client.take_output(out);
  server.receive(out);
  std::string reply = server.take_output();
  if (!reply.empty()) state = client.feed(reply.data(), reply.size());
  ASSERT_EQ(state, ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kFinished);
  EXPECT_TRUE(server.finished());
  ASSERT_NE(client.session(), nullptr);
  ASSERT_NE(client.peer_leaf(), nullptr);
  EXPECT_EQ(der_of(client.peer_leaf()), der_of(pki().leaf.get()));
}

TEST_F(ClientSessionStopTest, ServerHelloPackedWithTheRestOfTheFlightIsStillAStop) {
  SslCtxPtr server_ctx = make_server_context({TLS1_2_VERSION, TLS1_2_VERSION});
  Server server(server_ctx.get());
  ClientSession client(contexts_->tls12(), std::string("stop.test"));
  client.set_stop_point(StopPoint::kServerHello);
  EXPECT_EQ(talk(client, server, coalesce_handshake_records), 0u);
  ASSERT_EQ(client.state(), ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kServerHello);
  EXPECT_EQ(SSL_get_peer_cert_chain(client.ssl()), nullptr) << "the Certificate was held back";
  std::string out;
  EXPECT_EQ(client.proceed(), ClientSession::State::kHandshaking);
  client.take_output(out);
  server.receive(out);
  std::string reply = server.take_output();
  EXPECT_EQ(client.feed(reply.data(), reply.size()), ClientSession::State::kDone)
      << client.failure().detail;
  EXPECT_TRUE(server.finished()) << "the held-back messages made a valid handshake";
}

TEST_F(ClientSessionStopTest, HelloRetryRequestIsNotTheStop) {
  // The client's key share is X25519; a P-256-only server asks again.
  SslCtxPtr server_ctx = make_server_context({TLS1_3_VERSION, TLS1_3_VERSION, "P-256"});
  Server server(server_ctx.get());
  ClientSession client(contexts_->modern(), std::string("stop.test"));
  client.set_stop_point(StopPoint::kServerHello);
  talk(client, server);
  ASSERT_EQ(client.state(), ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kServerHello);
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_3_VERSION);
  EXPECT_EQ(SSL_get_negotiated_group(client.ssl()), NID_X9_62_prime256v1);
  EXPECT_FALSE(server.finished());
}

class CertificateStop : public ClientSessionStopTest, public ::testing::WithParamInterface<int> {};

TEST_P(CertificateStop, LeafReadWithoutTheRestOfTheHandshake) {
  SslCtxPtr server_ctx = make_server_context({GetParam(), GetParam()});
  Server server(server_ctx.get());
  ClientSession client(contexts_->no_sni(), std::nullopt);
  client.set_stop_point(StopPoint::kCertificate);
  EXPECT_EQ(talk(client, server), 0u) << "no key exchange or Finished sent";
  ASSERT_EQ(client.state(), ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kCertificate);
  EXPECT_EQ(SSL_version(client.ssl()), GetParam());
  EXPECT_EQ(SSL_get_peer_cert_chain(client.ssl()), nullptr)
      << "OpenSSL never parsed the chain (nor checked a signature over it)";
  EXPECT_EQ(client.peer_leaf_der(), der_of(pki().leaf.get()));
  ASSERT_NE(client.peer_leaf(), nullptr);
  EXPECT_EQ(X509_check_host(client.peer_leaf(), "stop.test", 0, 0, nullptr), 1);
  EXPECT_FALSE(server.finished());
}

// Without the key log callback (enable_certificate_peek), OpenSSL reads a TLS 1.3
// Certificate itself; the session still stops right after it, before the Finished.
TEST_F(ClientSessionStopTest, Tls13CertificateStopWithoutPeekStopsAfterOpenSslReadsIt) {
  SslCtxPtr server_ctx = make_server_context({TLS1_3_VERSION, TLS1_3_VERSION});
  Server server(server_ctx.get());
  ClientSession client(contexts_->modern(), std::nullopt);
  client.set_stop_point(StopPoint::kCertificate);
  EXPECT_EQ(talk(client, server), 0u) << "no Finished sent";
  ASSERT_EQ(client.state(), ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kCertificate);
  EXPECT_EQ(client.peer_leaf_der(), der_of(pki().leaf.get()));
  EXPECT_FALSE(server.finished());
}

INSTANTIATE_TEST_SUITE_P(Versions, CertificateStop,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION), [](const auto& info) {
                           return info.param == TLS1_3_VERSION ? "Tls13" : "Tls12";
                         });

// A full handshake's session, then a second hello offering it, stopped at the ServerHello.
struct Resumed {
  bool done = false;
  bool reused = false;
  StopPoint stopped_at = StopPoint::kFinished;
  bool server_finished = false;
  bool read_by_openssl = false;  // OpenSSL processed the ServerHello (and its key share)
};

Resumed resume(SSL_CTX* client_ctx, SSL_CTX* first_server, SSL_CTX* second_server) {
  Server server(first_server);
  ClientSession first(client_ctx, std::string("stop.test"));
  talk(first, server);
  EXPECT_EQ(first.state(), ClientSession::State::kDone) << first.failure().detail;
  EXPECT_NE(first.session(), nullptr) << "a session to resume";
  Resumed r;
  if (!first.session()) return r;
  Server again(second_server);
  ClientSession second(client_ctx, std::string("stop.test"), first.session());
  second.set_stop_point(StopPoint::kServerHello);
  talk(second, again);
  r.done = second.state() == ClientSession::State::kDone;
  r.reused = second.reused();
  r.read_by_openssl = SSL_get_pending_cipher(second.ssl()) != nullptr;
  r.stopped_at = second.stopped_at();
  r.server_finished = again.finished();
  return r;
}

TEST_F(ClientSessionStopTest, ResumptionIsKnownAtTheServerHello) {
  SslCtxPtr server_ctx = make_server_context({});
  SslCtxPtr stranger = make_server_context({});  // another cache, another ticket key
  struct Case {
    const char* what;
    SSL_CTX* client;
    bool read_by_openssl;  // when resumed
  } cases[] = {{"TLS 1.3 ticket", contexts_->modern(), false},
               {"TLS 1.2 session ID", contexts_->tls12(), true}};
  for (const Case& c : cases) {
    Resumed same = resume(c.client, server_ctx.get(), server_ctx.get());
    EXPECT_TRUE(same.done) << c.what;
    EXPECT_EQ(same.stopped_at, StopPoint::kServerHello) << c.what;
    EXPECT_TRUE(same.reused) << c.what;
    EXPECT_FALSE(same.server_finished) << c.what;
    // A TLS 1.3 ServerHello that takes the ticket is read by ClientSession alone: no key
    // exchange on our side.
    EXPECT_EQ(same.read_by_openssl, c.read_by_openssl) << c.what;
    Resumed other = resume(c.client, server_ctx.get(), stranger.get());
    EXPECT_TRUE(other.done) << c.what;
    EXPECT_EQ(other.stopped_at, StopPoint::kServerHello) << c.what;
    EXPECT_FALSE(other.reused) << c.what << ": a server that does not know the session";
    EXPECT_TRUE(other.read_by_openssl) << c.what << ": a full handshake is OpenSSL's to judge";
  }
}

TEST_F(ClientSessionStopTest, TicketOfATls12HandshakeIsResumedAtTheServerHello) {
  SslCtxPtr server_ctx = make_server_context({TLS1_2_VERSION, TLS1_2_VERSION});
  SslCtxPtr stranger = make_server_context({TLS1_2_VERSION, TLS1_2_VERSION});
  Resumed same = resume(contexts_->modern(), server_ctx.get(), server_ctx.get());
  EXPECT_EQ(same.stopped_at, StopPoint::kServerHello);
  EXPECT_TRUE(same.reused);
  Resumed other = resume(contexts_->modern(), server_ctx.get(), stranger.get());
  EXPECT_EQ(other.stopped_at, StopPoint::kServerHello);
  EXPECT_FALSE(other.reused);
}

TEST_F(ClientSessionStopTest, AlertBeforeTheServerHelloIsStillAnAlert) {
  ClientSession client(contexts_->modern(), std::string("x.test"));
  client.set_stop_point(StopPoint::kServerHello);
  client.start();
  const char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40};
  EXPECT_EQ(client.feed(alert, sizeof alert), ClientSession::State::kFailed);
  EXPECT_EQ(client.failure().kind, FailureKind::kAlert);
  EXPECT_EQ(client.failure().alert, 40);
}

// Oddities the early stop must not hide: OpenSSL still judges them as without a stop.
TEST_F(ClientSessionStopTest, OversizedServerHelloIsStillAProtocolError) {
  ClientSession client(contexts_->tls12(), std::string("x.test"));
  client.set_stop_point(StopPoint::kServerHello);
  client.start();
  // A handshake record whose ServerHello claims 8 MiB.
  const char record[] = {0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x7f, 0x7f, 0x7f};
  EXPECT_EQ(client.feed(record, sizeof record), ClientSession::State::kFailed);
  EXPECT_EQ(client.failure().kind, FailureKind::kProtocolError);
}

// The Certificate record's list length zeroed (OpenSSL writes one message per record).
std::string break_certificate(const std::string& flight) {
  std::string out = flight;
  size_t at = 0;
  while (at + 5 <= out.size()) {
    size_t len = (static_cast<uint8_t>(out[at + 3]) << 8) | static_cast<uint8_t>(out[at + 4]);
    if (out[at] == 22 && len > 7 && out[at + 5] == 11) {
      out[at + 9] = out[at + 10] = out[at + 11] = 0;
      break;
    }
    at += 5 + len;
  }
  return out;
}

TEST_F(ClientSessionStopTest, MalformedClearTextCertificateIsOpenSslsToRefuse) {
  SslCtxPtr server_ctx = make_server_context({TLS1_2_VERSION, TLS1_2_VERSION});
  Server server(server_ctx.get());
  ClientSession client(contexts_->no_sni(), std::nullopt);
  client.set_stop_point(StopPoint::kCertificate);
  talk(client, server, break_certificate);
  EXPECT_EQ(client.state(), ClientSession::State::kFailed)
      << "a certificate OpenSSL would refuse is no default certificate";
}

TEST_F(ClientSessionStopTest, DribbledServerHelloStillStops) {
  SslCtxPtr server_ctx = make_server_context({});
  Server server(server_ctx.get());
  ClientSession client(contexts_->tls12(), std::string("stop.test"));
  client.set_stop_point(StopPoint::kServerHello);
  client.start();
  std::string hello;
  client.take_output(hello);
  server.receive(hello);
  std::string flight = server.take_output();
  ClientSession::State state = ClientSession::State::kHandshaking;
  size_t i = 0;
  for (; i < flight.size() && state == ClientSession::State::kHandshaking; ++i) {
    state = client.feed(&flight[i], 1);
  }
  ASSERT_EQ(state, ClientSession::State::kDone) << client.failure().detail;
  EXPECT_EQ(client.stopped_at(), StopPoint::kServerHello);
  EXPECT_LT(i, flight.size()) << "stopped before the end of the flight";
}

}  // namespace
}  // namespace tlsfleet::tls
