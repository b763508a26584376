// The ECS record: one EndpointResult as one NDJSON line in Elastic Common Schema names
// (`tlsfleet scan --format ecs`), for SIEM pipelines that index ECS without a mapping step.
// docs/ECS.md maps every native field to its place here.
#pragma once

#include <string>

#include "scanner/endpoint_result.h"

namespace tlsfleet::output {

// The ECS release the field names and types follow.
inline constexpr const char* kEcsVersion = "8.11.0";

// Appends exactly one line, ending in '\n' and holding one JSON object, to `out`; what
// `out` already holds is kept. Field sets are nested objects ({"server": {"ip": ...}}),
// which Elasticsearch indexes the same as dotted names. Facts the scan does not have are
// left out rather than written as null, as ECS consumers expect. Every fact with an ECS
// field goes there (`@timestamp`, `event.*`, `server.*`, `destination.*`, `tls.*`,
// `tls.server.x509.*`, `error.*`); every other native fact sits under the one `tlsfleet`
// object, in its native name and shape. Certificate hashes and serials are upper-case hex,
// as ECS asks. Strings are escaped by append_json_string(), so hostile bytes cannot break
// the line.
void append_ecs_record(const scanner::EndpointResult& result, std::string& out);

}  // namespace tlsfleet::output
