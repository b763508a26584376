// RFC 3339 UTC time text for records.
#pragma once

#include <cstdint>
#include <string>

namespace tlsfleet::output {

// "2026-11-27T18:00:00.123Z" for a Unix time in milliseconds.
std::string format_rfc3339_ms(int64_t unix_ms);

}  // namespace tlsfleet::output
