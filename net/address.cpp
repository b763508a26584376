#include "net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace tlsfleet::net {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    // Every IPv4 address starts with a digit: a host name is turned away here.
    if (text[0] < '0' || text[0] > '9') return std::nullopt;
    // inet_pton accepts only strict dotted quads, but it does accept leading zeros on
    // some libcs; reject them so "010.0.0.1" is never read as decimal or octal silently.
    for (size_t i = 0; i + 1 < text.size(); ++i) {
      bool starts_part = i == 0 || text[i - 1] == '.';
      if (starts_part && text[i] == '0' && text[i + 1] != '.') return std::nullopt;
    }
    in_addr a4{};
    if (inet_pton(AF_INET, buf, &a4) != 1) return std::nullopt;
    return IpAddress(Family::kV4, ntohl(a4.s_addr));
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, buf, &a6) != 1) return std::nullopt;
  u128 v = 0;
  for (unsigned char byte : a6.s6_addr) v = (v << 8) | byte;
  return IpAddress(Family::kV6, v);
}

IpAddress IpAddress::from_value(Family family, u128 value) {
  if (family == Family::kV4) value &= 0xffffffffu;
  return IpAddress(family, value);
}

IpAddress IpAddress::from_sockaddr(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return IpAddress(Family::kV4, ntohl(in->sin_addr.s_addr));
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
  u128 v = 0;
  for (unsigned char byte : in6->sin6_addr.s6_addr) v = (v << 8) | byte;
  return IpAddress(Family::kV6, v);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    in_addr a4{};
    a4.s_addr = htonl(static_cast<uint32_t>(value_));
    inet_ntop(AF_INET, &a4, buf, sizeof buf);
  } else {
    in6_addr a6{};
    u128 v = value_;
    for (int i = 15; i >= 0; --i, v >>= 8) a6.s6_addr[i] = static_cast<unsigned char>(v & 0xff);
    inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  }
  return buf;
}

socklen_t IpAddress::to_sockaddr(uint16_t port, sockaddr_storage* out) const {
  std::memset(out, 0, sizeof *out);
  if (is_v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(static_cast<uint32_t>(value_));
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  u128 v = value_;
  for (int i = 15; i >= 0; --i, v >>= 8)
    in6->sin6_addr.s6_addr[i] = static_cast<unsigned char>(v & 0xff);
  return sizeof(sockaddr_in6);
}

}  // namespace tlsfleet::net
