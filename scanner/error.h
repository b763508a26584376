// The one error taxonomy of an endpoint scan. Every failure the engine meets is one of
// these; to_schema() maps it, in one place, to SCHEMA.md's status, stage and code.
#pragma once

#include <string>

#include "scanner/endpoint_result.h"

namespace tlsfleet::scanner {

enum class ErrorKind {
  kNxdomain,           // DNS: the name does not exist
  kServfail,           // DNS: the server failed or refused
  kDnsTimeout,         // DNS: no answer within --dns-timeout
  kNoAddress,          // DNS: the name has no address of the asked families
  kConnectionRefused,  // TCP: RST in answer to SYN (closed port)
  kConnectTimeout,     // TCP: no SYN-ACK before the deadline, retries included
  kHostUnreachable,    // TCP: ICMP unreachable, no route
  kConnectionReset,    // RST after the connection was established
  kConnectionClosed,   // the peer closed cleanly (FIN) before the handshake finished
  kHandshakeTimeout,   // connected, but the handshake did not finish before the deadline
  kPlaintextHttp,      // the peer answered in clear-text HTTP
  kNotTls,             // the peer sent other bytes that are not TLS
  kAlert,              // the peer sent a TLS alert (code says which)
  kProtocolError,      // malformed or unexpected TLS from the peer
  kReadLimit,          // the peer sent more than the per-connection byte cap
  kCancelled,          // the scan was interrupted before this endpoint finished
  kInternal,           // our side failed (out of descriptors, OpenSSL setup)
};

// Maps a kind (and, for kAlert, the TLS alert number) to the record's status and error.
// detail is the human sentence; for kAlert the code becomes ALERT_<NAME>.
void set_error(EndpointResult& result, ErrorKind kind, std::string detail, int alert = -1);
// The same with the detail left for the caller to write (and kAlert's code plain "ALERT"):
// returns the result's error detail, emptied. A result that already holds an error keeps its
// strings' storage, so a result refilled for record after record allocates nothing here.
std::string& set_error(EndpointResult& result, ErrorKind kind);

// "HANDSHAKE_FAILURE" for 40, "UNKNOWN_<n>" for numbers the registry does not name.
std::string alert_name(int alert);

const char* status_name(Status status);

}  // namespace tlsfleet::scanner
