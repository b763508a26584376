// The parts of a record that the native (SCHEMA.md) and ECS mappings write alike: the
// probe results inside `tls`, the served chain, the findings. Each mapping keeps its own
// envelope and its own null-versus-omitted rules around these.
#pragma once

#include <string>
#include <vector>

#include "output/json_writer.h"
#include "scanner/endpoint_result.h"

namespace tlsfleet::output {

void write_string_array(JsonWriter& w, const std::vector<std::string>& values);

// Members of the `tls` object beyond version, cipher, group and alpn (whose names differ
// between the mappings), in SCHEMA.md's order: dh_bits (omitted when the main handshake
// used no finite-field DHE), protocols, ciphers, server_preference, groups, dh_custom_bits,
// resumption (each omitted when not probed or not seen), ocsp_stapled, then sni_required,
// default_cert_sha256 (null when probed without a result) and default_cert_hostname_match
// (omitted when unknown).
void write_probe_fields(JsonWriter& w, const scanner::TlsInfo& tls);

// `served`: the chain as the server sent it, one {subject, issuer, sha256, not_after} each.
void write_served_chain(JsonWriter& w, const std::vector<tls::ServedCert>& served);

// The findings array: {id, severity, cause, detail, fix} each; [] when nothing is wrong.
void write_findings(JsonWriter& w, const std::vector<scanner::Finding>& findings);

}  // namespace tlsfleet::output
