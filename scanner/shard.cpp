#include "scanner/shard.h"

#include <charconv>

#include "net/permutation.h"

namespace tlsfleet::scanner {

namespace {

constexpr uint32_t kMaxShards = 1000000;

// Family, address and port folded through the fixed mixer; part of the --shard contract.
uint64_t endpoint_hash(const net::IpAddress& ip, uint16_t port) {
  uint64_t h = net::mix64(ip.is_v4() ? 4 : 6);
  h = net::mix64(h ^ static_cast<uint64_t>(ip.value()));
  h = net::mix64(h ^ static_cast<uint64_t>(ip.value() >> 64));
  return net::mix64(h ^ port);
}

// FNV-1a over the bytes, then the mixer (FNV alone spreads short names poorly mod N).
uint64_t name_hash(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return net::mix64(h);
}

std::optional<uint32_t> parse_number(std::string_view text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

uint32_t Shard::of_endpoint(const net::IpAddress& ip, uint16_t port) const {
  return static_cast<uint32_t>(endpoint_hash(ip, port) % count);
}

uint32_t Shard::of_name(std::string_view name) const {
  return static_cast<uint32_t>(name_hash(name) % count);
}

std::string Shard::to_string() const { return std::to_string(index) + "/" + std::to_string(count); }

std::optional<Shard> Shard::parse(std::string_view text, std::string* error) {
  size_t slash = text.find('/');
  std::optional<uint32_t> k, n;
  if (slash != std::string_view::npos) {
    k = parse_number(text.substr(0, slash));
    n = parse_number(text.substr(slash + 1));
  }
  if (!k || !n || *n < 1 || *n > kMaxShards || *k >= *n) {
    *error = "invalid shard '" + std::string(text) +
             "': expected K/N with 1 <= N <= 1000000 and 0 <= K < N (K is 0-based)";
    return std::nullopt;
  }
  return Shard{*k, *n};
}

}  // namespace tlsfleet::scanner
