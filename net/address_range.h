// AddressRange: an inclusive block of addresses of one family, never materialised.
// CIDR blocks and "a-b" ranges both become one of these; index i maps to first + i.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "net/address.h"

namespace tlsfleet::net {

struct AddressRange {
  IpAddress first;
  IpAddress last;  // inclusive, same family as first, last >= first

  // Number of addresses. A full IPv6 /0 has 2^128 addresses, which does not fit in u128:
  // size() saturates at the u128 maximum in that one case.
  u128 size() const;
  IpAddress at(u128 index) const;  // precondition: index < size()
  bool contains(const IpAddress& a) const;

  static AddressRange single(const IpAddress& a) { return {a, a}; }
  // "10.0.0.0/8", "2001:db8::/120". Host bits set ("10.0.0.5/8") are accepted and masked.
  // On failure returns nullopt and, when error is given, a short reason.
  static std::optional<AddressRange> parse_cidr(std::string_view text, std::string* error = nullptr);
  // "10.0.0.1-10.0.0.99" (inclusive, same family, first <= last).
  static std::optional<AddressRange> parse_dash(std::string_view text, std::string* error = nullptr);
};

}  // namespace tlsfleet::net
