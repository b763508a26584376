// Shard: which of N disjoint slices of the target space one process scans (--shard K/N).
// Membership depends only on what an item is, never on where or in which form it came
// from, on --seed or on the order of the scan: an endpoint (address, port) belongs to
// shard mix(address, port) mod N, a name to shard mix(name) mod N. So N processes given
// the same input, each with its own K, scan every endpoint exactly once between them,
// whatever their seeds, and "10.0.0.0/30" shards like the four addresses listed one by one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.h"

namespace tlsfleet::scanner {

struct Shard {
  uint32_t index = 0;  // K, 0-based
  uint32_t count = 1;  // N

  bool whole() const { return count == 1; }
  // The shard an item belongs to, in [0, count).
  uint32_t of_endpoint(const net::IpAddress& ip, uint16_t port) const;
  uint32_t of_name(std::string_view name) const;  // name as planned: lower case, no final dot
  bool owns_endpoint(const net::IpAddress& ip, uint16_t port) const {
    return whole() || of_endpoint(ip, port) == index;
  }
  bool owns_name(std::string_view name) const { return whole() || of_name(name) == index; }

  std::string to_string() const;  // "K/N"
  // "K/N" with 1 <= N <= 1000000 and 0 <= K < N; nullopt and *error otherwise.
  static std::optional<Shard> parse(std::string_view text, std::string* error);
};

}  // namespace tlsfleet::scanner
