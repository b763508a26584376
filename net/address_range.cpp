#include "net/address_range.h"

#include <utility>

namespace tlsfleet::net {

namespace {

constexpr u128 kU128Max = ~static_cast<u128>(0);

// The mask of the low host_bits bits. Shifting a u128 by 128 is undefined, so the
// whole-width case is spelled out.
u128 low_mask(int host_bits) {
  if (host_bits <= 0) return 0;
  if (host_bits >= 128) return kU128Max;
  return (static_cast<u128>(1) << host_bits) - 1;
}

// Parses a decimal prefix length. Anything but 1-3 digits is rejected before the value
// is computed, so "/99999999999" cannot overflow.
std::optional<int> parse_prefix(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

void set_error(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

// The user's text inside single quotes, cut short so one bad line cannot flood a log.
std::string quoted(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  if (text.size() <= kMaxShown) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxShown)) + "...'";
}

}  // namespace

u128 AddressRange::size() const {
  u128 span = last.value() - first.value();
  // Only a full IPv6 /0 has span == 2^128 - 1; its size does not fit, so it saturates.
  if (span == kU128Max) return kU128Max;
  return span + 1;
}

IpAddress AddressRange::at(u128 index) const {
  return IpAddress::from_value(first.family(), first.value() + index);
}

bool AddressRange::contains(const IpAddress& a) const {
  return a.family() == first.family() && a.value() >= first.value() && a.value() <= last.value();
}

std::optional<AddressRange> AddressRange::parse_cidr(std::string_view text, std::string* error) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    set_error(error, "missing '/' in CIDR");
    return std::nullopt;
  }
  std::string_view address_text = text.substr(0, slash);
  std::string_view prefix_text = text.substr(slash + 1);
  std::optional<IpAddress> address = IpAddress::parse(address_text);
  if (!address) {
    set_error(error, "invalid CIDR address " + quoted(address_text));
    return std::nullopt;
  }
  std::optional<int> prefix = parse_prefix(prefix_text);
  if (!prefix) {
    set_error(error, "invalid CIDR prefix " + quoted(prefix_text));
    return std::nullopt;
  }
  if (*prefix > address->bits()) {
    set_error(error, "prefix /" + std::to_string(*prefix) + " out of range for " +
                         (address->is_v4() ? "IPv4" : "IPv6"));
    return std::nullopt;
  }
  // Host bits are masked rather than rejected: "10.0.0.5/8" is a common way to say
  // "the /8 that 10.0.0.5 is in", and the block it names is unambiguous.
  u128 host = low_mask(address->bits() - *prefix);
  u128 base = address->value() & ~host;
  return AddressRange{IpAddress::from_value(address->family(), base),
                      IpAddress::from_value(address->family(), base | host)};
}

std::optional<AddressRange> AddressRange::parse_dash(std::string_view text, std::string* error) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    set_error(error, "missing '-' in range");
    return std::nullopt;
  }
  std::string_view first_text = text.substr(0, dash);
  std::string_view last_text = text.substr(dash + 1);
  std::optional<IpAddress> first = IpAddress::parse(first_text);
  if (!first) {
    set_error(error, "invalid range start " + quoted(first_text));
    return std::nullopt;
  }
  std::optional<IpAddress> last = IpAddress::parse(last_text);
  if (!last) {
    set_error(error, "invalid range end " + quoted(last_text));
    return std::nullopt;
  }
  if (first->family() != last->family()) {
    set_error(error, "range mixes IPv4 and IPv6");
    return std::nullopt;
  }
  if (first->value() > last->value()) {
    set_error(error, "range start " + first->to_string() + " is after end " + last->to_string());
    return std::nullopt;
  }
  return AddressRange{*first, *last};
}

}  // namespace tlsfleet::net
