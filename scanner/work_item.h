// What a worker is handed to do: scan one endpoint, or resolve one name first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "net/address.h"

namespace tlsfleet::scanner {

struct EndpointSpec {
  std::string target;               // the input item as the user wrote it
  std::optional<std::string> host;  // the name, when the target was one
  net::IpAddress ip;
  uint16_t port = 0;
  std::optional<std::string> sni;
  std::optional<double> dns_ms;  // how long the lookup that found ip took
};

// A name to resolve, then scan at each of its addresses on every port. The name is also
// the SNI its endpoints send (no copy of it is kept for that: one string less per name).
struct LookupSpec {
  std::string target;
  std::string name;
  std::vector<uint16_t> ports;
};

using WorkItem = std::variant<EndpointSpec, LookupSpec>;

}  // namespace tlsfleet::scanner
