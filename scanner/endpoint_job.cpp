#include "scanner/endpoint_job.h"

#include <openssl/err.h>
#include <uv.h>

#include <algorithm>
#include <chrono>

#include "scanner/findings.h"
#include "tls/cert_analysis.h"
#include "tls/chain_analysis.h"
#include "tls/client_hello.h"
#include "tls/iana_registry.h"
#include "tls/negotiated.h"

namespace tlsfleet::scanner {

namespace {

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

ErrorKind connect_error_kind(int status) {
  switch (status) {
    case UV_ECONNREFUSED:
      return ErrorKind::kConnectionRefused;
    case UV_ETIMEDOUT:
      return ErrorKind::kConnectTimeout;
    case UV_ECONNRESET:
      return ErrorKind::kConnectionReset;
    case UV_EHOSTUNREACH:
    case UV_ENETUNREACH:
    case UV_EHOSTDOWN:
    case UV_ENETDOWN:
    case UV_EADDRNOTAVAIL:
    case UV_EACCES:
    case UV_EPERM:
      return ErrorKind::kHostUnreachable;
    default:
      return ErrorKind::kInternal;
  }
}

// Failures that mean "no connection", as opposed to "the server said no".
bool is_connect_failure(ErrorKind kind) {
  return kind == ErrorKind::kConnectionRefused || kind == ErrorKind::kConnectTimeout ||
         kind == ErrorKind::kHostUnreachable || kind == ErrorKind::kInternal;
}

ErrorKind failure_error_kind(tls::FailureKind kind) {
  switch (kind) {
    case tls::FailureKind::kAlert:
      return ErrorKind::kAlert;
    case tls::FailureKind::kPlaintextHttp:
      return ErrorKind::kPlaintextHttp;
    case tls::FailureKind::kNotTls:
      return ErrorKind::kNotTls;
    case tls::FailureKind::kClosed:
      return ErrorKind::kConnectionClosed;
    case tls::FailureKind::kInternal:
      return ErrorKind::kInternal;
    case tls::FailureKind::kProtocolError:
    case tls::FailureKind::kNone:
      return ErrorKind::kProtocolError;
  }
  return ErrorKind::kProtocolError;
}

// A reference of our own to a session the ClientSession owns.
tls::SslSessionPtr share(SSL_SESSION* session) {
  if (!session) return nullptr;
  SSL_SESSION_up_ref(session);
  return tls::SslSessionPtr(session);
}

// A certificate's SHA-256 from its DER encoding, as analyze_cert writes it (lower-case
// hex), without parsing it.
std::string sha256_hex(const std::string& der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

bool has_session_id(SSL_SESSION* session) {
  unsigned int length = 0;
  return session && SSL_SESSION_get_id(session, &length) && length > 0;
}

}  // namespace

EndpointJob::EndpointJob(JobHost& host, EndpointSpec spec)
    : host_(host), spec_(std::move(spec)), plan_(host.options().depth, spec_.sni.has_value()) {
  result_.target = spec_.target;
  result_.host = spec_.host;
  result_.ip = spec_.ip.to_string();
  result_.port = spec_.port;
  result_.sni = spec_.sni;
  result_.timing.dns_ms = spec_.dns_ms;
}

double EndpointJob::ms_since(uint64_t start_ns) const {
  return static_cast<double>(uv_hrtime() - start_ns) / 1e6;
}

uint64_t EndpointJob::timeout_ms() const {
  auto ms = static_cast<uint64_t>(host_.options().timeout_s * 1000.0);
  return ms > 0 ? ms : 1;
}

void EndpointJob::start() {
  start_ns_ = uv_hrtime();
  start_probe(*plan_.next());
}

void EndpointJob::start_probe(const ProbeSpec& spec) {
  probe_ = spec;
  attempts_ = 0;
  bytes_read_ = 0;
  connect();
}

void EndpointJob::connect() {
  state_ = State::kConnecting;
  ++attempts_;
  ++result_.connections;
  attempt_start_ns_ = uv_hrtime();
  connection_ = std::make_unique<net::TcpConnection>(host_.loop(), this);
  int rc = connection_->connect(spec_.ip, spec_.port, timeout_ms());
  if (rc == UV_EMFILE || rc == UV_ENFILE) {
    probe_failed(ErrorKind::kInternal, "out of file descriptors: lower --concurrency");
  } else if (rc != 0) {
    probe_failed(connect_error_kind(rc), std::string("connect failed: ") + uv_strerror(rc));
  }
}

void EndpointJob::on_connected(int status) {
  if (state_ != State::kConnecting) return;
  if (status != 0) {
    ErrorKind kind = connect_error_kind(status);
    if (kind == ErrorKind::kConnectTimeout && attempts_ <= host_.options().retries) {
      host_.retire(std::move(connection_));
      connect();
      return;
    }
    probe_failed(kind, std::string("connect failed: ") + uv_strerror(status));
    return;
  }
  if (probe_.kind == ProbeKind::kMain) result_.timing.connect_ms = ms_since(attempt_start_ns_);
  state_ = State::kHandshaking;
  handshake_start_ns_ = uv_hrtime();
  session_ = make_session();
  if (!session_) {
    std::string why = host_.client_contexts().error();
    probe_failed(ErrorKind::kInternal, why.empty()
                                           ? "no client profile for this probe"
                                           : "OpenSSL refused the client configuration: " + why);
    return;
  }
  session_progress(session_->start());
}

std::unique_ptr<tls::ProbeSession> EndpointJob::make_session() {
  const tls::ClientContexts& contexts = host_.client_contexts();
  std::unique_ptr<tls::ClientSession> client;
  // The profile's SSL_CTX, built on its first use; null (a refusal) fails the probe.
  SSL_CTX* ctx = nullptr;
  switch (probe_.kind) {
    case ProbeKind::kVersion:
    case ProbeKind::kSessionIdSource:
      if (!(ctx = contexts.up_to(probe_.max_version))) return nullptr;
      client = std::make_unique<tls::ClientSession>(ctx, spec_.sni);
      break;
    case ProbeKind::kResumeSessionId:
      // A session the no-SNI probe made is offered as it was made: without SNI.
      if (!(ctx = contexts.up_to(probe_.max_version))) return nullptr;
      client = std::make_unique<tls::ClientSession>(
          ctx, session_id_without_sni_ ? std::nullopt : spec_.sni, session_id_session_.get());
      break;
    case ProbeKind::kNoSni:
      if (!(ctx = contexts.no_sni())) return nullptr;
      client = std::make_unique<tls::ClientSession>(ctx, std::nullopt);
      if (probe_.max_version != 0) SSL_set_max_proto_version(client->ssl(), probe_.max_version);
      if (probe_.session_id_source) SSL_set_options(client->ssl(), SSL_OP_NO_TICKET);
      break;
    case ProbeKind::kResumeTicket:
      if (!(ctx = contexts.modern())) return nullptr;
      client = std::make_unique<tls::ClientSession>(ctx, spec_.sni, ticket_session_.get());
      break;
    case ProbeKind::kMain:
      if (!(ctx = contexts.modern())) return nullptr;
      client = std::make_unique<tls::ClientSession>(ctx, spec_.sni);
      break;
    case ProbeKind::kVersionChain: {
      // The full-depth enumeration's chain hello: the highest version up to it, or none.
      auto raw = std::make_unique<tls::RawHelloSession>(tls::build_client_hello(
          tls::chain_hello_spec(static_cast<uint16_t>(probe_.max_version), spec_.sni)));
      raw_ = raw.get();
      return raw;
    }
    case ProbeKind::kSsl3Hello: {
      // Every suite an SSLv3 server could pick; SSLv3 clients sent no extensions.
      tls::ClientHelloSpec hello = tls::probe_spec(tls::kSsl3, std::nullopt);
      hello.cipher_suites = tls::cipher_suites_for_version(tls::kSsl3);
      auto raw = std::make_unique<tls::RawHelloSession>(tls::build_client_hello(hello));
      raw_ = raw.get();
      return raw;
    }
    case ProbeKind::kEnumerate: {
      tls::RawHelloOptions options;
      options.parser = planned_->parser;
      auto raw =
          std::make_unique<tls::RawHelloSession>(tls::build_client_hello(planned_->hello), options);
      raw_ = raw.get();
      return raw;
    }
    case ProbeKind::kSsl2Hello: {
      std::vector<uint32_t> specs;
      for (const auto& spec : tls::sslv2_cipher_specs()) specs.push_back(spec.code);
      auto raw =
          std::make_unique<tls::RawHelloSession>(tls::build_sslv2_client_hello(tls::kSsl2, specs));
      raw_ = raw.get();
      return raw;
    }
  }
  switch (probe_.reach) {
    case ProbeReach::kServerHello:
      client->set_stop_point(tls::StopPoint::kServerHello);
      break;
    case ProbeReach::kCertificate:
      client->set_stop_point(tls::StopPoint::kCertificate);
      break;
    case ProbeReach::kFinished:
      break;
  }
  client_ = client.get();
  return client;
}

void EndpointJob::on_data(const char* data, size_t len) {
  if (state_ != State::kHandshaking && state_ != State::kLingering) return;
  bytes_read_ += len;
  if (bytes_read_ > host_.options().max_read_bytes) {
    if (state_ == State::kLingering) {
      probe_succeeded();
      return;
    }
    probe_failed(ErrorKind::kReadLimit, "the server sent more than " +
                                            std::to_string(host_.options().max_read_bytes) +
                                            " bytes without finishing the handshake");
    return;
  }
  tls::ProbeSession::State state = session_->feed(data, len);
  if (state_ == State::kLingering) {
    if (client_->has_ticket()) probe_succeeded();
    return;
  }
  session_progress(state);
}

void EndpointJob::on_read_end(int status) {
  if (state_ == State::kLingering) {
    probe_succeeded();
    return;
  }
  if (state_ != State::kHandshaking) return;
  if (status == UV_EOF) {
    session_progress(session_->on_eof());
    return;
  }
  probe_failed(ErrorKind::kConnectionReset,
               status == UV_ECONNRESET ? "the server reset the connection during the handshake"
                                       : std::string("read failed: ") + uv_strerror(status));
}

void EndpointJob::on_deadline() {
  switch (state_) {
    case State::kConnecting:
      if (attempts_ <= host_.options().retries) {
        host_.retire(std::move(connection_));
        connect();
        return;
      }
      probe_failed(ErrorKind::kConnectTimeout, "no answer to the TCP connect within the deadline");
      return;
    case State::kHandshaking:
      probe_failed(ErrorKind::kHandshakeTimeout,
                   "the TLS handshake did not finish within the deadline (" +
                       std::to_string(bytes_read_) + " bytes received)");
      return;
    case State::kLingering:
      // libuv runs due timers before it reads sockets: a ticket may be sitting unread.
      // Give the loop one more turn to read it before concluding there is none.
      if (!linger_grace_used_) {
        linger_grace_used_ = true;
        connection_->set_deadline(1);
        return;
      }
      probe_succeeded();
      return;
    case State::kDone:
      return;
  }
}

void EndpointJob::send_pending() {
  outgoing_.clear();
  if (session_->take_output(outgoing_) > 0) connection_->write(std::move(outgoing_));
}

void EndpointJob::session_progress(tls::ProbeSession::State state) {
  send_pending();
  switch (state) {
    case tls::ProbeSession::State::kHandshaking:
      return;
    case tls::ProbeSession::State::kDone:
      if (raw_) {
        raw_probe_done();
      } else {
        probe_succeeded();
      }
      return;
    case tls::ProbeSession::State::kFailed: {
      const tls::HandshakeFailure& f = session_->failure();
      probe_failed(failure_error_kind(f.kind), f.detail, f.alert);
      return;
    }
  }
}

// A hand-built hello is answered: the reply says which version the server took. We have
// what we came for and drop the connection (no key exchange on our side).
void EndpointJob::raw_probe_done() {
  const tls::ServerReply& reply = raw_->reply();
  ProbeOutcome outcome;
  outcome.connected = true;
  if (probe_.kind == ProbeKind::kEnumerate) {
    enumeration_recorded(tls::outcome_of(*raw_));
    probe_finished(outcome);
    return;
  }
  if (probe_.kind == ProbeKind::kVersionChain) {
    if (reply.kind == tls::ReplyKind::kServerHello && reply.hello) {
      outcome.handshake_ok = true;
      outcome.version = reply.hello->version;  // SSL3_VERSION..TLS1_2_VERSION are IANA's
    }
    probe_finished(outcome);
    return;
  }
  if (probe_.kind == ProbeKind::kSsl3Hello) {
    bool ssl3 = reply.kind == tls::ReplyKind::kServerHello && reply.hello &&
                reply.hello->version == tls::kSsl3;
    plan_.set_legacy_accepted(SSL3_VERSION, ssl3);
    outcome.handshake_ok = ssl3;
    if (ssl3 && !result_.tls) {
      // Nothing newer was accepted: what the SSLv3 hello drew is all the server speaks.
      TlsInfo info;
      info.version = "SSLv3";
      info.cipher =
          std::string(tls::cipher_suite_name(reply.hello->cipher_suite).value_or("unknown"));
      result_.tls = std::move(info);
    }
  } else {
    bool ssl2 = reply.kind == tls::ReplyKind::kSslv2ServerHello && reply.sslv2 &&
                !reply.sslv2->cipher_specs.empty();
    if (ssl2) {
      for (uint32_t spec : reply.sslv2->cipher_specs) {
        sslv2_ciphers_.emplace_back(tls::sslv2_cipher_spec_name(spec).value_or("unknown"));
      }
    }
    plan_.set_legacy_accepted(SSL2_VERSION, ssl2);
    outcome.handshake_ok = ssl2;
    if (ssl2 && !result_.tls) {
      TlsInfo info;
      info.version = "SSLv2";
      info.cipher = std::string(
          tls::sslv2_cipher_spec_name(reply.sslv2->cipher_specs.front()).value_or("unknown"));
      result_.tls = std::move(info);
    }
  }
  probe_finished(outcome);
}

void EndpointJob::probe_succeeded() {
  SSL* ssl = client_->ssl();
  bool finished = client_->stopped_at() == tls::StopPoint::kFinished;
  if (client_->stopped_at() == tls::StopPoint::kServerHello &&
      plan_.completes_after_hello(has_session_id(SSL_get_session(ssl)))) {
    // This version probe is the one to supply the certificate or a session ID after all.
    session_progress(client_->proceed());
    return;
  }
  ProbeOutcome outcome;
  outcome.connected = true;
  outcome.handshake_ok = true;
  outcome.version = client_->version();
  outcome.has_ticket = client_->has_ticket();
  outcome.has_session_id = !outcome.has_ticket && has_session_id(client_->session());

  switch (probe_.kind) {
    case ProbeKind::kMain:
      // TLS 1.3 tickets come after the handshake: at depth >= standard, wait a few round
      // trips for one (never past the deadline) so resumption by ticket can be tried.
      if (state_ == State::kHandshaking && host_.options().depth != Depth::kBasic &&
          outcome.version == TLS1_3_VERSION && !outcome.has_ticket) {
        state_ = State::kLingering;
        // At least 250 ms: a busy single-process server (s_server, HAProxy) or a busy
        // scanner loop can take that long even on loopback.
        double rtt = result_.timing.connect_ms.value_or(10);
        auto linger = static_cast<uint64_t>(std::clamp(4 * rtt + 50, 250.0, 1000.0));
        auto left =
            static_cast<uint64_t>(std::max(1.0, timeout_ms() - ms_since(attempt_start_ns_)));
        connection_->set_deadline(std::min(linger, left));
        return;
      }
      main_succeeded(outcome);
      break;
    case ProbeKind::kVersion:
    case ProbeKind::kSessionIdSource:
      // A server that refuses the modern hello but speaks an older version still gets
      // its certificate and chain reported, from this handshake.
      if (!result_.tls && finished) main_succeeded(outcome);
      if (outcome.has_session_id && !session_id_session_) {
        session_id_session_ = share(client_->session());
      }
      break;
    case ProbeKind::kNoSni:
      // (Once recorded, it runs on only as the session-ID source: record it once.)
      if (!result_.tls->default_cert_probed) {
        if (!no_sni_succeeded()) {
          probe_failed(ErrorKind::kProtocolError, "the default certificate does not parse");
          return;
        }
        bool same_leaf = result_.cert && result_.tls->default_cert_sha256 == result_.cert->sha256;
        if (!finished && plan_.completes_after_certificate(same_leaf, outcome.version,
                                                           has_session_id(SSL_get_session(ssl)))) {
          // The same certificate without SNI: finish, for the session-ID probe to resume.
          session_progress(client_->proceed());
          return;
        }
      }
      if (finished && outcome.has_session_id && !session_id_session_) {
        session_id_session_ = share(client_->session());
        session_id_without_sni_ = true;
      }
      break;
    case ProbeKind::kResumeTicket:
      ticket_resumed_ = client_->reused();
      break;
    case ProbeKind::kResumeSessionId:
      session_id_resumed_ = client_->reused();
      break;
    case ProbeKind::kVersionChain:
    case ProbeKind::kSsl3Hello:
    case ProbeKind::kSsl2Hello:
    case ProbeKind::kEnumerate:  // hand-built hellos: raw_probe_done(), never here
      break;
  }
  // Say goodbye properly; the bytes go out with the close. A handshake stopped early is
  // simply dropped, as the hand-built hellos are.
  if (finished) {
    ERR_clear_error();
    SSL_shutdown(ssl);
    send_pending();
  }
  probe_finished(outcome);
}

void EndpointJob::main_succeeded(ProbeOutcome& outcome) {
  SSL* ssl = client_->ssl();
  if (probe_.kind == ProbeKind::kMain) result_.timing.handshake_ms = ms_since(handshake_start_ns_);
  tls::Negotiated n = tls::read_negotiated(ssl);
  TlsInfo info;
  info.version = std::move(n.version);
  info.cipher = std::move(n.cipher);
  info.group = std::move(n.group);
  info.dh_bits = n.dh_bits;
  info.alpn = std::move(n.alpn);
  info.ocsp_stapled = n.ocsp_stapled;
  result_.tls = std::move(info);

  int64_t now = now_unix_ms() / 1000;
  if (X509* leaf = SSL_get0_peer_certificate(ssl)) {
    result_.cert = tls::analyze_cert(leaf, now);
    // For the no-SNI probe, which is spared the parsing when it gets the same leaf.
    if (spec_.sni && host_.options().depth != Depth::kBasic)
      main_leaf_covers_sni_ = covers_sni(leaf);
  }
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl); chain && sk_X509_num(chain) > 0) {
    std::optional<std::string> name = spec_.sni ? spec_.sni : spec_.host;
    std::optional<std::string> ip;
    if (!name) ip = result_.ip;
    result_.chain = tls::analyze_chain(chain, host_.trust_store(), name, ip, now);
  }
  if (probe_.kind != ProbeKind::kMain) return;
  if (!spec_.sni && host_.options().depth != Depth::kBasic) {
    // No name to send: the main handshake already was the no-SNI handshake.
    result_.tls->sni_required = false;
    result_.tls->default_cert_probed = true;
    if (result_.cert) result_.tls->default_cert_sha256 = result_.cert->sha256;
  }
  if (outcome.has_ticket) ticket_session_ = share(client_->session());
  if (outcome.has_session_id) session_id_session_ = share(client_->session());
}

bool EndpointJob::no_sni_succeeded() {
  if (!result_.tls) return true;
  std::string der = client_->peer_leaf_der();
  std::optional<bool> covers_name;
  if (!der.empty()) {
    std::string sha256 = sha256_hex(der);
    if (spec_.sni) {
      if (result_.cert && sha256 == result_.cert->sha256 && main_leaf_covers_sni_) {
        // The main handshake's own leaf, already matched against the name.
        covers_name = *main_leaf_covers_sni_;
      } else if (X509* leaf = client_->peer_leaf()) {
        covers_name = covers_sni(leaf);
      } else {
        return false;  // a certificate OpenSSL could not have parsed either
      }
    }
    result_.tls->default_cert_sha256 = std::move(sha256);
  }
  result_.tls->sni_required = false;
  result_.tls->default_cert_probed = true;
  if (covers_name) result_.tls->default_cert_covers_name = covers_name;
  return true;
}

bool EndpointJob::covers_sni(X509* leaf) const {
  return X509_check_host(leaf, spec_.sni->data(), spec_.sni->size(), 0, nullptr) == 1;
}

namespace {

const char* probe_name(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kMain:
      return "main";
    case ProbeKind::kVersion:
    case ProbeKind::kVersionChain:
      return "versions";
    case ProbeKind::kSsl3Hello:
      return "ssl3";
    case ProbeKind::kSsl2Hello:
      return "ssl2";
    case ProbeKind::kNoSni:
      return "no_sni";
    case ProbeKind::kResumeTicket:
      return "resume_ticket";
    case ProbeKind::kSessionIdSource:
      return "session_id_source";
    case ProbeKind::kResumeSessionId:
      return "resume_session_id";
    case ProbeKind::kEnumerate:
      return "enumeration";
  }
  return "probe";
}

}  // namespace

void EndpointJob::probes_stopped(ProbeKind kind, std::string code, std::string detail) {
  if (!result_.tls || result_.tls->probes_incomplete) return;
  result_.tls->probes_incomplete =
      ProbesIncomplete{probe_name(kind), std::move(code), std::move(detail)};
}

void EndpointJob::probe_failed(ErrorKind kind, std::string detail, int alert) {
  if (probe_.kind != ProbeKind::kMain && is_connect_failure(kind)) {
    // The plan stops here (the host went away or pushes back): say so in the record.
    EndpointResult as_error;
    set_error(as_error, kind, detail, alert);
    probes_stopped(probe_.kind, as_error.error ? as_error.error->code : "CONNECT_ERROR",
                   "the " + std::string(probe_name(probe_.kind)) + " probe could not connect (" +
                       detail + "); what it and the probes after it decide is left out");
  }
  if (probe_.kind == ProbeKind::kEnumerate) {
    // Refusals come as alerts or a closed (or reset) connection; anything else leaves
    // the enumeration incomplete, and a failed connect ends it.
    tls::ProbeOutcome o;
    if (raw_ && (kind == ErrorKind::kAlert || kind == ErrorKind::kConnectionClosed)) {
      o = tls::outcome_of(*raw_);
    } else if (kind == ErrorKind::kConnectionReset) {
      o.verdict = tls::ProbeOutcome::Verdict::kRefused;
    }
    enumeration_recorded(o);
    ProbeOutcome outcome;
    outcome.connected = !is_connect_failure(kind);
    if (!outcome.connected) enumeration_.reset();
    probe_finished(outcome);
    return;
  }
  ProbeOutcome outcome;
  outcome.connected = !is_connect_failure(kind);
  outcome.speaks_tls = kind != ErrorKind::kPlaintextHttp && kind != ErrorKind::kNotTls;
  outcome.timed_out = kind == ErrorKind::kHandshakeTimeout;
  if (probe_.kind == ProbeKind::kMain) set_error(result_, kind, std::move(detail), alert);
  if (outcome.connected && result_.tls) {
    switch (probe_.kind) {
      case ProbeKind::kNoSni:
        // (Failing after the certificate, while finishing as the session-ID source, says
        // nothing about SNI: the default certificate is already recorded.)
        if (!result_.tls->default_cert_probed) {
          result_.tls->sni_required = true;
          result_.tls->default_cert_probed = true;
        }
        break;
      case ProbeKind::kResumeTicket:
        ticket_resumed_ = false;
        break;
      case ProbeKind::kResumeSessionId:
        session_id_resumed_ = false;
        break;
      default:
        break;
    }
  }
  if (outcome.connected) {
    switch (probe_.kind) {
      case ProbeKind::kSsl3Hello:
        plan_.set_legacy_accepted(SSL3_VERSION, false);
        break;
      case ProbeKind::kSsl2Hello:
        plan_.set_legacy_accepted(SSL2_VERSION, false);
        break;
      default:
        break;
    }
  }
  probe_finished(outcome);
}

void EndpointJob::probe_finished(const ProbeOutcome& outcome) {
  if (connection_) host_.retire(std::move(connection_));
  session_.reset();
  client_ = nullptr;
  raw_ = nullptr;
  if (state_ == State::kDone) return;
  bool enumerating = probe_.kind == ProbeKind::kEnumerate;
  if (!enumerating) plan_.record(outcome);
  // Once the scan is interrupted, an endpoint finishes with the probe it was running.
  if (host_.stopping()) {
    // (The plan and the enumeration are asked only to name what is left: nothing starts.)
    std::optional<ProbeSpec> next = enumerating ? std::nullopt : plan_.next();
    bool enumeration_left = enumerating ? enumeration_ && enumeration_->next().has_value()
                                        : host_.options().depth == Depth::kFull &&
                                              !enumeration_done_ && !plan_.stopped();
    if (next || enumeration_left) {
      ProbeKind kind = next ? next->kind : ProbeKind::kEnumerate;
      probes_stopped(kind, "INTERRUPTED",
                     "the scan was interrupted before the " + std::string(probe_name(kind)) +
                         " probe; what it and the probes after it decide is left out");
    }
    finish();
    return;
  }
  if (!enumerating) {
    if (std::optional<ProbeSpec> next = plan_.next()) {
      start_probe(*next);
      return;
    }
  }
  if (next_enumeration_probe()) return;
  finish();
}

namespace {

constexpr std::pair<int, uint16_t> kEnumeratedVersions[] = {{SSL3_VERSION, tls::kSsl3},
                                                            {TLS1_VERSION, tls::kTls10},
                                                            {TLS1_1_VERSION, tls::kTls11},
                                                            {TLS1_2_VERSION, tls::kTls12},
                                                            {TLS1_3_VERSION, tls::kTls13}};

}  // namespace

void EndpointJob::enumeration_recorded(tls::ProbeOutcome outcome) {
  if (!enumeration_) return;
  enumeration_->record(outcome);
  // The versions the enumeration's chain decided.
  for (const auto& [openssl, iana] : kEnumeratedVersions) {
    std::optional<bool> verdict = enumeration_->version_accepted(iana);
    if (!verdict) continue;
    if (openssl == SSL3_VERSION) {
      if (!plan_.legacy_accepted(openssl)) plan_.set_legacy_accepted(openssl, *verdict);
    } else {
      plan_.set_accepted(openssl, *verdict);
    }
  }
}

// Depth full: once the standard probes are done, the accepted versions' suites and the
// groups, one hand-built hello per connection.
bool EndpointJob::next_enumeration_probe() {
  if (host_.options().depth != Depth::kFull || !result_.tls || plan_.stopped()) return false;
  if (!enumeration_ && !enumeration_done_) {
    enumeration_done_ = true;
    EnumerationInput input;
    input.sni = spec_.sni;
    for (const auto& [openssl, iana] : kEnumeratedVersions) {
      std::optional<bool> yes =
          openssl == SSL3_VERSION ? plan_.legacy_accepted(openssl) : plan_.accepted(openssl);
      if (yes.value_or(false)) input.accepted.push_back(iana);
      // The highest TLS version <= 1.2 left open by the standard probes.
      if (!yes && openssl != SSL3_VERSION && openssl <= TLS1_2_VERSION) input.chain_from = iana;
    }
    input.ssl3_undecided = !plan_.legacy_accepted(SSL3_VERSION).has_value();
    enumeration_ = std::make_unique<FullEnumeration>(std::move(input));
  }
  if (!enumeration_) return false;
  planned_ = enumeration_->next();
  if (!planned_) return false;
  start_probe(ProbeSpec{ProbeKind::kEnumerate, 0});
  return true;
}

void EndpointJob::fill_depth_results() {
  if (host_.options().depth == Depth::kBasic || !result_.tls) return;
  static const std::pair<int, const char*> kVersions[] = {{TLS1_VERSION, "TLSv1.0"},
                                                          {TLS1_1_VERSION, "TLSv1.1"},
                                                          {TLS1_2_VERSION, "TLSv1.2"},
                                                          {TLS1_3_VERSION, "TLSv1.3"}};
  std::map<std::string, bool> protocols;
  bool all_decided = true;
  for (const auto& [version, name] : kVersions) {
    std::optional<bool> accepted = plan_.accepted(version);
    if (!accepted) all_decided = false;
    protocols[name] = accepted.value_or(false);
  }
  for (const auto& [version, name] : {std::pair{SSL2_VERSION, "SSLv2"}, {SSL3_VERSION, "SSLv3"}}) {
    std::optional<bool> accepted = plan_.legacy_accepted(version);
    if (!accepted) all_decided = false;
    protocols[name] = accepted.value_or(false);
  }
  if (all_decided) result_.tls->protocols = std::move(protocols);

  std::optional<bool> ticket = ticket_resumed_;
  if (!ticket && plan_.main_ok() && !plan_.ticket_available()) ticket = false;
  std::optional<bool> session_id = session_id_resumed_;
  if (!session_id && plan_.session_id_unavailable()) session_id = false;
  if (ticket && session_id) result_.tls->resumption = Resumption{*session_id, *ticket};

  if (host_.options().depth == Depth::kFull && enumeration_ && enumeration_->complete()) {
    auto ciphers = enumeration_->ciphers();
    if (!sslv2_ciphers_.empty()) ciphers.emplace_back("SSLv2", sslv2_ciphers_);
    result_.tls->ciphers = std::move(ciphers);
    result_.tls->server_preference = enumeration_->server_preference();
    result_.tls->groups = enumeration_->groups();
    if (auto bits = enumeration_->custom_dh_bits())
      result_.tls->dh_custom_bits = static_cast<int>(*bits);
  }
}

void EndpointJob::cancel() {
  if (state_ == State::kDone) return;
  ErrorStage stage = state_ == State::kConnecting ? ErrorStage::kConnect : ErrorStage::kTls;
  set_error(result_, ErrorKind::kCancelled,
            "the scan was interrupted before this endpoint finished");
  result_.error->stage = stage;  // cancelled in whichever stage it had reached
  result_.tls.reset();
  result_.cert.reset();
  result_.chain.reset();
  finish();
}

void EndpointJob::finish() {
  if (state_ == State::kDone) return;
  if (result_.status != Status::kCancelled) fill_depth_results();
  state_ = State::kDone;
  if (connection_) host_.retire(std::move(connection_));
  session_.reset();
  client_ = nullptr;
  raw_ = nullptr;
  result_.timing.total_ms = ms_since(start_ns_) + result_.timing.dns_ms.value_or(0);
  result_.finished_unix_ms = now_unix_ms();
  FindingOptions options;
  options.expiry_warn_days = host_.options().expiry_warn_days;
  options.now_unix = result_.finished_unix_ms / 1000;
  // The stapling request is part of every handshake; reporting its absence is for the
  // deeper scans, where the operator asked to hear about everything.
  options.report_ocsp_not_stapled = host_.options().depth != Depth::kBasic;
  result_.findings = evaluate_findings(result_, options);
  host_.job_done(this, std::move(result_));
}

}  // namespace tlsfleet::scanner
