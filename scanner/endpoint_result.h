// EndpointResult: everything tlsfleet learned about one (ip, port, sni) endpoint. It is
// the one structure that crosses from scanner/ to output/; plain data, no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tls/cert_info.h"

namespace tlsfleet::scanner {

// SCHEMA.md `status`.
enum class Status { kOk, kDnsError, kConnectError, kTimeout, kTlsError, kNotTls, kCancelled };

// SCHEMA.md `error.stage`.
enum class ErrorStage { kDns, kConnect, kTls };

struct EndpointError {
  ErrorStage stage = ErrorStage::kConnect;
  std::string code;    // stable upper-case code, SCHEMA.md `error.code`
  std::string detail;  // a human sentence
};

// Stage durations in milliseconds; a stage not reached stays empty and is omitted.
struct Timing {
  std::optional<double> dns_ms;
  std::optional<double> connect_ms;
  std::optional<double> handshake_ms;
  double total_ms = 0;
};

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };

struct Finding {
  std::string id;
  Severity severity = Severity::kInfo;
  std::string cause;  // certificate, chain, protocol, cipher, sni, backend, session, transport
  std::string detail;
  std::string fix;
};

struct Resumption {
  bool session_id = false;
  bool ticket = false;
};

// SCHEMA.md `tls`. Fields filled only by deeper probes stay empty at basic depth and are
// omitted from the record.
// Why probes after the main handshake stopped before deciding everything: the probe that
// could not run and what happened to it. The fields it (and the probes after it) would
// have decided are absent from the record.
struct ProbesIncomplete {
  std::string probe;   // "versions", "ssl3", "ssl2", "no_sni", "resume_ticket", ...
  std::string code;    // an error code of SCHEMA.md (CONNECTION_REFUSED, ...) or INTERRUPTED
  std::string detail;  // a human sentence
};

struct TlsInfo {
  std::string version;  // "TLSv1.3"
  std::string cipher;   // IANA name
  std::optional<std::string> group;
  std::optional<int> dh_bits;  // finite-field DHE: the main handshake's prime, in bits
  std::optional<std::string> alpn;
  bool ocsp_stapled = false;
  // depth >= standard
  std::optional<std::map<std::string, bool>> protocols;  // "SSLv2".."TLSv1.3" -> accepted
  std::optional<Resumption> resumption;
  std::optional<bool> sni_required;
  std::optional<std::string> default_cert_sha256;
  bool default_cert_probed = false;  // default_cert_sha256 was looked for (null vs absent)
  std::optional<bool> default_cert_covers_name;  // the no-SNI leaf covers the SNI name
  // depth full
  std::optional<std::vector<std::pair<std::string, std::vector<std::string>>>> ciphers;
  std::optional<bool> server_preference;
  std::optional<std::vector<std::string>> groups;
  // The server's own (not RFC 7919) DHE prime the group enumeration saw, in bits.
  std::optional<int> dh_custom_bits;
  std::optional<ProbesIncomplete> probes_incomplete;
};

struct EndpointResult {
  int64_t finished_unix_ms = 0;     // wall clock when the endpoint finished
  std::string target;               // the input item as the user wrote it
  std::optional<std::string> host;  // hostname when the target was a name
  std::optional<std::string> ip;    // canonical text; empty when DNS failed
  uint16_t port = 0;
  std::optional<std::string> sni;  // name sent in the main handshake
  Status status = Status::kOk;
  std::optional<EndpointError> error;
  Timing timing;
  std::optional<TlsInfo> tls;
  std::optional<tls::CertInfo> cert;
  std::optional<tls::ChainInfo> chain;
  std::vector<Finding> findings;
  int connections = 0;
};

}  // namespace tlsfleet::scanner
