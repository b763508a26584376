// ProbePlan: which connections an endpoint's scan makes, one after another, and how each
// outcome changes the rest. Pure logic (no I/O), so the adaptive rules are unit-tested.
//
// Standard depth, for a server with TLS 1.2 and 1.3 and a name to send: the main
// handshake; "highest version up to 1.2" (which also yields a session-ID session), then
// "up to 1.1" (refused); the SSLv3 hello; the same handshake without SNI; resumption by
// ticket (the main handshake's) and by session ID. Seven connections.
//
// A server whose highest version is TLS 1.2 and that issues tickets sends an empty session
// ID with the main handshake's ticket, so no session ID is held yet when the no-SNI probe
// comes. That probe then asks without the ticket extension and, when it draws the main
// handshake's certificate at TLS <= 1.2 and a session ID, finishes the handshake: its
// session is the one the session-ID probe resumes (without SNI, as it was made), which
// spares a handshake of its own. Only the default virtual host's session cache is asked
// then; the certificate being the same is what makes it the host's. SSLv2 is probed
// only when TLS 1.3 is refused: no TLS stack that speaks TLS 1.3 still speaks SSLv2
// (OpenSSL dropped it in 1.1.0, years before 1.1.1 brought TLS 1.3), so a TLS 1.3 server
// is recorded as refusing SSLv2 without a connection. That keeps every server at 8 or
// fewer connections.
//
// Below TLS 1.2, once the certificate is known and no session is to be had from the
// answer (a session ID is held, or TLS 1.2's ServerHello already told whether the server
// hands out any), the version search asks with hand-built hellos (kVersionChain) offering
// every IANA suite of the version, SSLv3's included: the server answers with the highest
// version it has up to the one offered, SSLv3 included, or refuses, and then TLS 1.0 to
// that version and SSLv3 are all refused. A modern server thus costs one connection less
// (no SSLv3 hello) and the search no OpenSSL handshake.
//
// Full depth leaves to the enumeration (scanner/full_enumeration.h) what its hellos decide
// anyway: the version search stops at the first accepted version <= TLS 1.2 (the one
// whose session the session-ID probe resumes), the versions below it stay open, and the
// SSLv3 hello is sent only when no TLS version <= 1.2 is accepted (otherwise the
// enumeration's chain of hellos ends with it).
#pragma once

#include <optional>

#include "scanner/scan_options.h"

namespace tlsfleet::scanner {

enum class ProbeKind {
  kMain,             // the modern handshake every depth makes
  kVersion,          // highest version the server takes, up to max_version (>= TLS 1.0)
  kVersionChain,     // the same by a hand-built hello offering every suite of max_version
                     // (TLS 1.0/1.1) and of SSLv3: a refusal refuses SSLv3 too
  kSsl3Hello,        // hand-built SSLv3 hello: the ServerHello tells, then we drop
  kSsl2Hello,        // hand-built SSLv2 CLIENT-HELLO, likewise
  kNoSni,            // the modern handshake without SNI
  kResumeTicket,     // resume the main handshake's session by its ticket
  kSessionIdSource,  // a TLS <= 1.2 handshake without tickets, to get a session ID
  kResumeSessionId,  // resume that session by its ID
  kEnumerate,        // depth full: a hand-built hello of FullEnumeration (not planned here)
};

// How far a probe's OpenSSL handshake needs to go. Only the main handshake needs it all
// (the chain, verified afterwards, and a ticket); the others stop as soon as what they
// decide is known, so they cost no key exchange, certificate or signature work on our
// side (except the no-SNI probe at TLS 1.3, whose certificate comes encrypted).
enum class ProbeReach {
  kFinished,     // the whole handshake
  kServerHello,  // the version, suite and "resumed or not" are all in the ServerHello
  kCertificate,  // the server's leaf certificate
};

struct ProbeSpec {
  ProbeKind kind = ProbeKind::kMain;
  // kVersion, kSessionIdSource, kResumeSessionId: OpenSSL version. kNoSni: TLS1_2_VERSION
  // once TLS 1.2 is known to be accepted (0: the modern profile's TLS 1.2-1.3).
  int max_version = 0;
  ProbeReach reach = ProbeReach::kFinished;
  // kNoSni: offer no ticket, so the server's session (if it finishes) has a session ID;
  // see the class comment.
  bool session_id_source = false;
};

// The reach of each kind of OpenSSL probe (kFinished for the hand-built hellos, which
// never run OpenSSL's handshake). kVersion and kSessionIdSource stop at the ServerHello,
// and ProbePlan::completes_after_hello() says when they must go on after all.
ProbeReach reach_of(ProbeKind kind);

// What a finished probe reports back.
struct ProbeOutcome {
  bool connected = false;       // the TCP connect succeeded
  bool handshake_ok = false;    // the probe reached what it wanted
  bool speaks_tls = true;       // false: clear text or other non-TLS bytes
  bool timed_out = false;       // connected, but no answer before the deadline
  int version = 0;              // negotiated (OpenSSL version number)
  bool has_ticket = false;      // a ticket session is available
  bool has_session_id = false;  // a session-ID session is available
  bool reused = false;          // resumption probes: the session was resumed
};

class ProbePlan {
 public:
  ProbePlan(Depth depth, bool sends_sni);

  // The next probe to run, or nullopt when the endpoint is done.
  std::optional<ProbeSpec> next();
  // Records the outcome of the probe next() returned last.
  void record(const ProbeOutcome& outcome);

  // Versions learned so far (OpenSSL numbers TLS1_VERSION..TLS1_3_VERSION).
  // nullopt: not decided.
  std::optional<bool> accepted(int version) const;
  // SSLv2 and SSLv3 (SSL2_VERSION, SSL3_VERSION), from the hand-built hellos.
  std::optional<bool> legacy_accepted(int version) const;
  void set_legacy_accepted(int version, bool accepted);
  // A verdict learned elsewhere (full-depth enumeration) for a version left open.
  void set_accepted(int version, bool accepted);
  int session_id_version() const { return session_id_version_; }
  // The probe next() returned last stopped at its ServerHello (version accepted); it must
  // still finish the handshake when it is the one to supply the record's certificate
  // (a version probe after a failed main handshake, before any version was accepted) or
  // the session whose ID the session-ID probe resumes: no such session is held yet and
  // the ServerHello carries a session ID (a TLS <= 1.2 server that sends none caches
  // nothing, so the full handshake would give no session to resume either).
  bool completes_after_hello(bool hello_has_session_id) const;
  // The no-SNI probe stopped at the certificate: it must still finish the handshake when
  // it is the session-ID source (ProbeSpec::session_id_source), drew the main handshake's
  // leaf (same_leaf) at TLS <= 1.2 and a ServerHello with a session ID.
  bool completes_after_certificate(bool same_leaf, int version, bool hello_has_session_id) const;
  // Stopped early (a connection failed): what was not decided stays undecided.
  bool stopped() const { return stop_; }
  bool main_ok() const { return main_ok_; }
  // The main handshake yielded a ticket to resume.
  bool ticket_available() const { return ticket_available_; }
  // A session-ID session was looked for and none came (or no version <= 1.2 exists).
  bool session_id_unavailable() const {
    return session_id_version_ == 0 && session_id_source_done_;
  }

 private:
  void learn_range(int low, int high, bool accepted);
  bool certificate_known() const;

  Depth depth_;
  bool sends_sni_;
  std::optional<ProbeSpec> current_;
  bool stop_ = false;
  bool main_ok_ = false;

  // Version search: the next "up to" bound, 0 when finished.
  int next_version_bound_ = 0;
  std::optional<bool> accepted_[4];  // TLS 1.0, 1.1, 1.2, 1.3
  std::optional<bool> ssl3_, ssl2_;
  bool ssl3_done_ = false, ssl2_done_ = false;
  bool no_sni_done_ = false;
  bool ticket_available_ = false;
  bool ticket_done_ = false;
  int session_id_version_ = 0;  // version of a session-ID session we hold, 0 for none
  bool session_id_source_done_ = false;
  bool session_id_done_ = false;
};

}  // namespace tlsfleet::scanner
