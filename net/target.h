// Target: one input item (argument or line), parsed per CLI.md's target grammar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "net/address_range.h"

namespace tlsfleet::net {

enum class TargetKind {
  kName,           // "example.com", "example.com:8443", URL with a name: resolve, scan each address
  kAddress,        // "10.0.0.5", "[2001:db8::5]:8443": range.first == range.last, no DNS
  kRange,          // CIDR or "a-b": every address in range
  kNameAtAddress,  // "shop.example.com@10.0.0.5:443": connect to the address, SNI = name
};

struct Target {
  std::string text;               // the item as the user wrote it, surrounding space trimmed
  TargetKind kind = TargetKind::kName;
  std::string host;               // kName / kNameAtAddress: the name, lower-cased, no trailing dot
  AddressRange range;             // kAddress / kRange / kNameAtAddress
  std::optional<uint16_t> port;   // explicit port; overrides --ports
};

// Parses one item. Forms: name, name:port, IPv4, IPv6, [IPv6]:port, CIDR, a-b range,
// name@address[:port] (address may be [v6]), and URLs (scheme://host[:port][/path...],
// scheme and path ignored). Returns the Target or a one-line reason it is not valid
// (e.g. "port 70000 out of range", "invalid hostname").
std::variant<Target, std::string> parse_target(std::string_view item);

}  // namespace tlsfleet::net
