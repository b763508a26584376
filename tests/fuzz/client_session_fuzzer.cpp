// A TLS client session fed whatever a server might send. Input: byte 0 picks the profile
// (bits 0-1: modern or one of the legacy ones), whether SNI is sent (bit 7), where the
// handshake stops early as the standard-depth probes do (bits 2-3: the end, the
// ServerHello, the Certificate on the no-SNI probe's context that decrypts TLS 1.3 itself)
// and whether a stopped session then goes on to the end (bit 4, as proceed() does); byte 1
// the chunk size the bytes arrive in (0: all at once), the rest is the server's side of
// the connection, followed by EOF. The session must end in a state that says what
// happened.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "tls/client_context.h"
#include "tls/client_session.h"

namespace {

using tlsfleet::tls::ClientSession;
using tlsfleet::tls::FailureKind;

const tlsfleet::tls::ClientContexts& contexts() {
  static std::unique_ptr<tlsfleet::tls::ClientContexts> c = [] {
    std::string error;
    auto made = tlsfleet::tls::make_client_contexts(&error);
    if (!made) std::abort();
    return made;
  }();
  return *c;
}

using tlsfleet::tls::StopPoint;

StopPoint pick_stop(uint8_t choice) {
  switch ((choice >> 2) & 3) {
    case 1:
      return StopPoint::kServerHello;
    case 2:
    case 3:
      return StopPoint::kCertificate;
    default:
      return StopPoint::kFinished;
  }
}

SSL_CTX* pick_context(uint8_t choice) {
  const auto& c = contexts();
  if (pick_stop(choice) == StopPoint::kCertificate) return c.no_sni();
  switch (choice % 4) {
    case 1:
      return c.tls10();
    case 2:
      return c.tls11();
    case 3:
      return c.tls12();
    default:
      return c.modern();
  }
}

void check(const ClientSession& session) {
  if (session.state() == ClientSession::State::kFailed) {
    // A failure always has a kind and a sentence for the record.
    if (session.failure().kind == FailureKind::kNone) std::abort();
    if (session.failure().detail.empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::optional<std::string> sni;
  if (data[0] & 0x80) sni = "fuzz.test";
  ClientSession session(pick_context(data[0]), sni);
  session.set_stop_point(pick_stop(data[0]));
  const bool go_on = (data[0] & 0x10) != 0;
  size_t chunk = data[1] == 0 ? size : data[1];
  std::string out;
  session.start();
  session.take_output(out);
  const char* bytes = reinterpret_cast<const char*>(data + 2);
  size_t left = size - 2;
  while (left > 0) {
    size_t n = left < chunk ? left : chunk;
    session.feed(bytes, n);
    check(session);
    if (go_on && session.state() == ClientSession::State::kDone &&
        session.stopped_at() != StopPoint::kFinished) {
      session.proceed();
      check(session);
    }
    // What a stopped probe reads: must be safe whatever arrived.
    if (session.state() == ClientSession::State::kDone) {
      (void)session.version();
      (void)session.reused();
      (void)session.peer_leaf_der();
    }
    out.clear();
    session.take_output(out);
    bytes += n;
    left -= n;
  }
  session.on_eof();
  check(session);
  // Whatever happened, the session must not still wait for bytes after EOF unless it
  // completed its handshake.
  if (session.state() == ClientSession::State::kHandshaking) std::abort();
  return 0;
}
