// Deciding from a peer's first bytes whether it speaks TLS at all: clear-text HTTP on a
// TLS port is the most common "SSL handshake failed" there is, and it deserves its name.
#pragma once

#include <optional>
#include <string_view>

#include "tls/probe_session.h"

namespace tlsfleet::tls {

// How many leading bytes classify_first_bytes() wants before it decides.
inline constexpr size_t kFirstBytesWanted = 5;

// nullopt when prefix may start a TLS (or SSLv2) record; otherwise the failure:
// kPlaintextHttp for an HTTP status line or HTML page, kNotTls for anything else.
// With fewer than kFirstBytesWanted bytes it decides on what it has (the peer closed).
std::optional<HandshakeFailure> classify_first_bytes(std::string_view prefix);

}  // namespace tlsfleet::tls
