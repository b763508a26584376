// IpAddress: an IPv4 or IPv6 address as a value, with the 128-bit arithmetic that lazy
// range expansion needs. IPv4 addresses keep their family; they are not v4-mapped.
#pragma once

#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tlsfleet::net {

using u128 = unsigned __int128;

class IpAddress {
 public:
  enum class Family : uint8_t { kV4, kV6 };

  IpAddress() = default;  // 0.0.0.0

  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text (no brackets, no zone, no port).
  // Returns nullopt for anything else, including leading zeros like "010.0.0.1".
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress from_value(Family family, u128 value);
  static IpAddress from_sockaddr(const sockaddr* sa);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kV4; }
  // Width in bits: 32 or 128.
  int bits() const { return is_v4() ? 32 : 128; }
  // The address as an integer (host order; IPv4 in the low 32 bits).
  u128 value() const { return value_; }

  // Canonical text: dotted quad, or RFC 5952 IPv6 (inet_ntop).
  std::string to_string() const;
  // Fills a sockaddr_in/sockaddr_in6 for connect(); returns its length.
  socklen_t to_sockaddr(uint16_t port, sockaddr_storage* out) const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  IpAddress(Family family, u128 value) : family_(family), value_(value) {}
  Family family_ = Family::kV4;
  u128 value_ = 0;
};

}  // namespace tlsfleet::net
