// RFC 3339 UTC time text for records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tlsfleet::output {

// The text of rfc3339_ms(), held by value: a record's timestamp costs no allocation.
struct Rfc3339Text {
  char text[24];
  std::string_view view() const { return {text, sizeof text}; }
};

// "2026-11-27T18:00:00.123Z" for a Unix time in milliseconds.
Rfc3339Text rfc3339_ms(int64_t unix_ms);
std::string format_rfc3339_ms(int64_t unix_ms);

}  // namespace tlsfleet::output
