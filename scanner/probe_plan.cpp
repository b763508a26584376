#include "scanner/probe_plan.h"

#include <openssl/ssl.h>

namespace tlsfleet::scanner {

namespace {

// accepted_[] is indexed from TLS 1.0.
int slot(int version) { return version - TLS1_VERSION; }
bool is_tls_version(int version) { return version >= TLS1_VERSION && version <= TLS1_3_VERSION; }

}  // namespace

ProbeReach reach_of(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kVersion:
    case ProbeKind::kSessionIdSource:
    case ProbeKind::kResumeTicket:
    case ProbeKind::kResumeSessionId:
      return ProbeReach::kServerHello;
    case ProbeKind::kNoSni:
      return ProbeReach::kCertificate;
    case ProbeKind::kMain:
    case ProbeKind::kVersionChain:
    case ProbeKind::kSsl3Hello:
    case ProbeKind::kSsl2Hello:
    case ProbeKind::kEnumerate:
      return ProbeReach::kFinished;
  }
  return ProbeReach::kFinished;
}

bool ProbePlan::completes_after_hello(bool hello_has_session_id) const {
  if (!current_) return false;
  bool wants_session_id = session_id_version_ == 0 && hello_has_session_id;
  switch (current_->kind) {
    case ProbeKind::kVersion:
      return !certificate_known() || wants_session_id;
    case ProbeKind::kSessionIdSource:
      return wants_session_id;
    default:
      return false;
  }
}

bool ProbePlan::completes_after_certificate(bool same_leaf, int version,
                                            bool hello_has_session_id) const {
  return current_ && current_->kind == ProbeKind::kNoSni && current_->session_id_source &&
         session_id_version_ == 0 && same_leaf && is_tls_version(version) &&
         version <= TLS1_2_VERSION && hello_has_session_id;
}

// The record's certificate is in hand: from the main handshake, or from the version probe
// that first found a version accepted.
bool ProbePlan::certificate_known() const {
  if (main_ok_) return true;
  for (int v = TLS1_VERSION; v <= TLS1_3_VERSION; ++v) {
    if (accepted(v).value_or(false)) return true;
  }
  return false;
}

ProbePlan::ProbePlan(Depth depth, bool sends_sni) : depth_(depth), sends_sni_(sends_sni) {}

std::optional<bool> ProbePlan::legacy_accepted(int version) const {
  if (version == SSL3_VERSION) return ssl3_;
  if (version == SSL2_VERSION) return ssl2_;
  return std::nullopt;
}

void ProbePlan::set_legacy_accepted(int version, bool accepted) {
  if (version == SSL3_VERSION) ssl3_ = accepted;
  if (version == SSL2_VERSION) ssl2_ = accepted;
}

void ProbePlan::set_accepted(int version, bool accepted) {
  if (is_tls_version(version) && !accepted_[slot(version)]) accepted_[slot(version)] = accepted;
}

std::optional<bool> ProbePlan::accepted(int version) const {
  if (!is_tls_version(version)) return std::nullopt;
  return accepted_[slot(version)];
}

void ProbePlan::learn_range(int low, int high, bool accepted) {
  for (int v = low; v <= high; ++v) {
    if (is_tls_version(v) && !accepted_[slot(v)]) accepted_[slot(v)] = accepted;
  }
}

std::optional<ProbeSpec> ProbePlan::next() {
  if (!current_) {
    current_ = ProbeSpec{ProbeKind::kMain, 0};
    return current_;
  }
  if (stop_ || depth_ == Depth::kBasic) return std::nullopt;
  if (next_version_bound_ >= TLS1_VERSION) {
    bool sessions_told = session_id_version_ != 0 || accepted(TLS1_2_VERSION).value_or(false);
    bool chain = next_version_bound_ <= TLS1_1_VERSION && certificate_known() && sessions_told;
    current_ =
        ProbeSpec{chain ? ProbeKind::kVersionChain : ProbeKind::kVersion, next_version_bound_};
  } else if (!ssl3_done_) {
    ssl3_done_ = true;
    if (depth_ == Depth::kFull) {
      // The enumeration's chain ends with the SSLv3 hello when it runs below a version.
      for (int v = TLS1_VERSION; v <= TLS1_2_VERSION; ++v) {
        if (accepted(v).value_or(false)) return next();
      }
    }
    current_ = ProbeSpec{ProbeKind::kSsl3Hello, 0};
  } else if (!ssl2_done_) {
    ssl2_done_ = true;
    if (accepted(TLS1_3_VERSION).value_or(false)) {
      ssl2_ = false;  // inferred: see the class comment
      return next();
    }
    current_ = ProbeSpec{ProbeKind::kSsl2Hello, 0};
  } else if (sends_sni_ && main_ok_ && !no_sni_done_) {
    // Once TLS 1.2 is known to be accepted, the no-SNI hello offers no more: the default
    // certificate then comes in clear, with no key exchange on either side.
    current_ =
        ProbeSpec{ProbeKind::kNoSni, accepted(TLS1_2_VERSION).value_or(false) ? TLS1_2_VERSION : 0};
    // A TLS <= 1.2 main handshake left no session ID (it took a ticket): this probe may
    // supply one (see the class comment).
    // (A main handshake that refused TLS 1.3 is the TLS 1.2 one.)
    current_->session_id_source =
        session_id_version_ == 0 && !session_id_source_done_ && accepted(TLS1_3_VERSION) == false;
  } else if (ticket_available_ && !ticket_done_) {
    current_ = ProbeSpec{ProbeKind::kResumeTicket, 0};
  } else if (session_id_version_ == 0 && !session_id_source_done_) {
    // A session ID only exists up to TLS 1.2: ask at the highest such version the
    // server takes, if any.
    session_id_source_done_ = true;
    for (int v = TLS1_2_VERSION; v >= TLS1_VERSION; --v) {
      if (accepted(v).value_or(false)) {
        current_ = ProbeSpec{ProbeKind::kSessionIdSource, v, reach_of(ProbeKind::kSessionIdSource)};
        return current_;
      }
    }
    return next();
  } else if (session_id_version_ != 0 && !session_id_done_) {
    current_ = ProbeSpec{ProbeKind::kResumeSessionId, session_id_version_};
  } else {
    return std::nullopt;
  }
  current_->reach = reach_of(current_->kind);
  return current_;
}

void ProbePlan::record(const ProbeOutcome& o) {
  if (!current_) return;
  // A connection that no longer connects means the host went away or pushes back: stop
  // being a bother, and leave undecided what was not decided.
  if (!o.connected) {
    stop_ = true;
    return;
  }
  switch (current_->kind) {
    case ProbeKind::kMain:
      // Clear text, or a peer that never answers the modern hello: more probes would
      // only cost more deadlines.
      if (!o.speaks_tls || o.timed_out) {
        stop_ = true;
        return;
      }
      main_ok_ = o.handshake_ok;
      if (o.handshake_ok && is_tls_version(o.version)) {
        // The main hello offered 1.2 and 1.3: the server picked its highest of those.
        learn_range(o.version + 1, TLS1_3_VERSION, false);
        learn_range(o.version, o.version, true);
        next_version_bound_ = o.version - 1;
        // Full depth: a TLS 1.2 main handshake is the version <= 1.2 the search looks
        // for; the enumeration asks about the ones below.
        if (depth_ == Depth::kFull && o.version <= TLS1_2_VERSION) next_version_bound_ = 0;
        ticket_available_ = o.has_ticket;
        if (o.version <= TLS1_2_VERSION && !o.has_ticket && o.has_session_id) {
          session_id_version_ = o.version;
        }
      } else {
        // No modern handshake: TLS 1.3 is refused; 1.2 and below are for the version
        // search to find out (the failure may have been a cipher mismatch).
        learn_range(TLS1_3_VERSION, TLS1_3_VERSION, false);
        next_version_bound_ = TLS1_2_VERSION;
      }
      return;
    case ProbeKind::kVersion:
      if (o.handshake_ok && is_tls_version(o.version) && o.version <= current_->max_version) {
        learn_range(o.version + 1, current_->max_version, false);
        learn_range(o.version, o.version, true);
        next_version_bound_ = depth_ == Depth::kFull ? 0 : o.version - 1;
        if (o.has_session_id && session_id_version_ == 0) session_id_version_ = o.version;
      } else {
        learn_range(TLS1_VERSION, current_->max_version, false);
        next_version_bound_ = 0;
      }
      return;
    case ProbeKind::kVersionChain:
      next_version_bound_ = 0;
      if (o.handshake_ok && o.version == SSL3_VERSION) {
        learn_range(TLS1_VERSION, current_->max_version, false);
        ssl3_ = true;
        ssl3_done_ = true;
      } else if (o.handshake_ok && is_tls_version(o.version) &&
                 o.version <= current_->max_version) {
        learn_range(o.version + 1, current_->max_version, false);
        learn_range(o.version, o.version, true);
        next_version_bound_ = o.version - 1;  // below TLS 1.0: the SSLv3 hello asks
      } else {
        learn_range(TLS1_VERSION, current_->max_version, false);
        // A refusal refuses SSLv3 too; a version above the one offered is no answer, and
        // SSLv3 is left to its own hello.
        if (!o.handshake_ok) {
          ssl3_ = false;
          ssl3_done_ = true;
        }
      }
      return;
    case ProbeKind::kSsl3Hello:
    case ProbeKind::kSsl2Hello:
      return;  // the job sets the verdict; nothing adapts on it
    case ProbeKind::kEnumerate:
      return;  // FullEnumeration's hellos: the job records them there, never here
    case ProbeKind::kNoSni:
      no_sni_done_ = true;
      if (current_->session_id_source && o.handshake_ok && o.has_session_id &&
          session_id_version_ == 0) {
        session_id_version_ = o.version;
      }
      return;
    case ProbeKind::kResumeTicket:
      ticket_done_ = true;
      return;
    case ProbeKind::kSessionIdSource:
      if (o.handshake_ok && o.has_session_id) session_id_version_ = o.version;
      return;
    case ProbeKind::kResumeSessionId:
      session_id_done_ = true;
      return;
  }
}

}  // namespace tlsfleet::scanner
