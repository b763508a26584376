// The native record: one EndpointResult as one NDJSON line of SCHEMA.md ("tlsfleet/1").
#pragma once

#include <string>

#include "scanner/endpoint_result.h"

namespace tlsfleet::output {

// The value of every record's `schema` field.
inline constexpr const char* kNativeSchema = "tlsfleet/1";

// Appends exactly one line, ending in '\n' and holding one JSON object, to `out`; what `out`
// already holds is kept. Null versus omitted follows SCHEMA.md:
//  - host, ip, sni, error, tls, cert and chain are always present, null when empty;
//  - timing_ms holds only the stages reached, and always `total`;
//  - in `tls`, group and alpn are null when empty; dh_bits is omitted when the main
//    handshake used no finite-field DHE; the deeper probes' fields (protocols, ciphers,
//    server_preference, groups, dh_custom_bits, resumption, sni_required) are omitted when
//    not probed (dh_custom_bits also when no server-own prime was seen); default_cert_sha256 is a
//    string when known, null when probed without a result (default_cert_probed), omitted otherwise;
//  - cert.key.curve, chain.verify_error and chain.hostname_match are null when empty;
//  - findings is always an array, empty when nothing is wrong.
// Strings are escaped by append_json_string(), so hostile bytes cannot break the line.
void append_native_record(const scanner::EndpointResult& result, std::string& out);

}  // namespace tlsfleet::output
