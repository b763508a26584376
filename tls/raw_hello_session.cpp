#include "tls/raw_hello_session.h"

#include <algorithm>
#include <string_view>

namespace tlsfleet::tls {

namespace {

// SSL 2.0 ERROR codes and the TLS alerts that mean the same thing.
int alert_for_sslv2_error(uint16_t code) {
  switch (code) {
    case 0x0001:
      return 40;  // NO-CIPHER-ERROR: handshake_failure
    case 0x0002:
      return 41;  // NO-CERTIFICATE-ERROR: no_certificate
    case 0x0004:
      return 42;  // BAD-CERTIFICATE-ERROR: bad_certificate
    case 0x0006:
      return 43;  // UNSUPPORTED-CERTIFICATE-TYPE-ERROR: unsupported_certificate
    default:
      return 40;
  }
}

}  // namespace

RawHelloSession::RawHelloSession(std::string client_hello, RawHelloOptions options)
    : output_(std::move(client_hello)), options_(options), parser_(options.parser) {}

RawHelloSession::State RawHelloSession::start() {
  if (started_ || state_ != State::kHandshaking) return state_;
  started_ = true;
  if (output_.empty()) return fail(FailureKind::kInternal, "the ClientHello could not be built");
  return state_;
}

RawHelloSession::State RawHelloSession::feed(const char* data, size_t len) {
  if (state_ != State::kHandshaking || len == 0) return state_;
  const size_t room = options_.max_bytes - std::min(options_.max_bytes, parser_.bytes_fed());
  parser_.feed(std::string_view(data, std::min(len, room)));
  if (!parser_.done() && len > room) {
    return fail(FailureKind::kProtocolError, "the server sent over " +
                                                 std::to_string(options_.max_bytes) +
                                                 " bytes without a ServerHello");
  }
  return settle();
}

RawHelloSession::State RawHelloSession::on_eof() {
  if (state_ != State::kHandshaking) return state_;
  parser_.finish();
  return settle();
}

size_t RawHelloSession::take_output(std::string& out) {
  if (!started_) return 0;
  const size_t n = output_.size();
  out += output_;
  output_.clear();
  return n;
}

RawHelloSession::State RawHelloSession::settle() {
  const ServerReply& reply = parser_.reply();
  switch (reply.kind) {
    case ReplyKind::kIncomplete:
      return state_;
    case ReplyKind::kServerHello:
    case ReplyKind::kHelloRetryRequest:
    case ReplyKind::kSslv2ServerHello:
      state_ = State::kDone;
      return state_;
    case ReplyKind::kAlert:
      return fail(FailureKind::kAlert, "the server sent " + reply.detail, reply.alert->description);
    case ReplyKind::kSslv2Error:
      return fail(FailureKind::kAlert, reply.detail, alert_for_sslv2_error(*reply.sslv2_error));
    case ReplyKind::kPlaintextHttp:
      return fail(FailureKind::kPlaintextHttp, reply.detail);
    case ReplyKind::kNotTls:
      return fail(FailureKind::kNotTls, reply.detail);
    case ReplyKind::kProtocolError:
      return fail(FailureKind::kProtocolError, "the server sent " + reply.detail);
    case ReplyKind::kTruncated:
      return fail(FailureKind::kClosed, reply.detail);
  }
  return state_;
}

RawHelloSession::State RawHelloSession::fail(FailureKind kind, std::string detail, int alert) {
  state_ = State::kFailed;
  failure_.kind = kind;
  failure_.alert = alert;
  failure_.detail = std::move(detail);
  return state_;
}

}  // namespace tlsfleet::tls
