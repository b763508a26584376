#include "net/target.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

namespace tlsfleet::net {

namespace {

// RFC 1035 limits: 253 characters of text (255 octets on the wire), 63 per label.
constexpr size_t kMaxHostnameLength = 253;
constexpr size_t kMaxLabelLength = 63;
// How much of the user's text an error message repeats, so one bad line cannot flood a log.
constexpr size_t kMaxShown = 64;

// What an endpoint ("host", "host:port", "[v6]:port") names: an address or a hostname.
struct Endpoint {
  std::optional<IpAddress> address;
  std::string host;  // lower-cased, no trailing dot; empty when address is set
  std::optional<uint16_t> port;
};

using EndpointResult = std::variant<Endpoint, std::string>;

std::string shown(std::string_view text) {
  if (text.size() <= kMaxShown) return std::string(text);
  return std::string(text.substr(0, kMaxShown)) + "...";
}

std::string quoted(std::string_view text) { return "'" + shown(text) + "'"; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// A loop rather than std::all_of(..., is_digit), which GCC 12 at -O2 leaves out of line,
// calling is_digit through a pointer for every byte.
bool all_digits(std::string_view text) {
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// A host name's byte as it is kept (letters lower-cased), or 0 for a byte no label may hold.
constexpr std::array<char, 256> make_host_byte_table() {
  std::array<char, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<char>(c - 'A' + 'a');
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  table['-'] = '-';
  table['_'] = '_';
  return table;
}
constexpr std::array<char, 256> kHostByte = make_host_byte_table();

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Every valid form is printable ASCII without spaces. Checking that first means every
// later message can quote the user's text without carrying control bytes into a log.
std::string check_characters(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c > 0x20 && c < 0x7f) continue;
    std::string where = " at position " + std::to_string(i + 1);
    if (c == ' ' || c == '\t') return "unexpected whitespace" + where;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", c);
    std::string reason = "invalid byte " + std::string(hex) + where;
    if (c >= 0x80) reason += " (international names must be given in their xn-- form)";
    return reason;
  }
  return {};
}

// Ports are 1..65535; the digit count is capped before the value is computed so a long
// digit string cannot overflow.
std::variant<uint16_t, std::string> parse_port(std::string_view text) {
  if (text.empty()) return std::string("empty port");
  if (!all_digits(text)) return "invalid port " + quoted(text);
  if (text.size() > 5) return "port " + shown(text) + " out of range";
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value == 0 || value > 65535) return "port " + std::string(text) + " out of range";
  return static_cast<uint16_t>(value);
}

// True when text can only have been meant as an IPv4 address: its last label is a
// number (decimal, or 0x hex). No top-level domain is numeric, and resolvers and
// browsers read such names as (legacy) IPv4 forms, so "1.2.3.256", "010.0.0.1" and
// "127.1" are errors rather than names to look up.
bool looks_like_ipv4(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  size_t dot = text.rfind('.');
  std::string_view label = dot == std::string_view::npos ? text : text.substr(dot + 1);
  if (label.empty()) return false;
  if (all_digits(label)) return true;
  if (label.size() > 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
    return std::all_of(label.begin() + 2, label.end(), is_hex);
  }
  return false;
}

// Validates a DNS name and returns it lower-cased without its trailing dot. Underscores
// are allowed because real fleets have them ("_service.example.com", legacy hosts).
std::variant<std::string, std::string> normalize_hostname(std::string_view text) {
  auto invalid = [&](const std::string& why) {
    return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                  "invalid hostname " + quoted(text) + ": " + why);
  };
  std::string_view name = text;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return invalid("empty");
  if (name.size() > kMaxHostnameLength) return invalid("longer than 253 characters");
  // Copied once, then checked and lower-cased in place.
  std::string out(name);
  size_t start = 0;
  while (true) {
    size_t end = name.find('.', start);
    std::string_view label = name.substr(start, end == std::string_view::npos ? end : end - start);
    if (label.empty()) return invalid("empty label");
    if (label.size() > kMaxLabelLength) return invalid("label longer than 63 characters");
    if (label.front() == '-' || label.back() == '-') {
      return invalid("label starts or ends with '-'");
    }
    for (size_t i = start; i < start + label.size(); ++i) {
      const char kept = kHostByte[static_cast<unsigned char>(out[i])];
      if (kept == 0) return invalid("bad character '" + std::string(1, out[i]) + "'");
      out[i] = kept;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return std::variant<std::string, std::string>(std::in_place_index<0>, std::move(out));
}

// A host without brackets or port: an IPv4 address or a hostname.
EndpointResult parse_host(std::string_view text, std::optional<uint16_t> port) {
  if (text.empty()) return std::string("missing host");
  Endpoint endpoint;
  endpoint.port = port;
  if (auto address = IpAddress::parse(text)) {
    endpoint.address = address;
    return endpoint;
  }
  if (looks_like_ipv4(text)) return "invalid IPv4 address " + quoted(text);
  auto name = normalize_hostname(text);
  if (name.index() == 1) return std::get<1>(std::move(name));
  endpoint.host = std::get<0>(std::move(name));
  return endpoint;
}

// "host", "host:port", "IPv4[:port]", bare IPv6, "[IPv6]" or "[IPv6]:port". A bare IPv6
// address is never split at its last colon: "2001:db8::5" is an address, so a port on an
// IPv6 address needs brackets.
EndpointResult parse_endpoint(std::string_view text) {
  if (text.empty()) return std::string("missing host");
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "missing ']' in " + quoted(text);
    std::string_view inside = text.substr(1, close - 1);
    auto address = IpAddress::parse(inside);
    if (!address) return "invalid IPv6 address " + quoted(inside);
    if (address->is_v4()) return "brackets are only for IPv6 addresses, not " + quoted(inside);
    std::string_view rest = text.substr(close + 1);
    Endpoint endpoint;
    endpoint.address = address;
    if (rest.empty()) return endpoint;
    if (rest.front() != ':') return "unexpected " + quoted(rest) + " after ']'";
    auto port = parse_port(rest.substr(1));
    if (port.index() == 1) return std::get<1>(std::move(port));
    endpoint.port = std::get<0>(port);
    return endpoint;
  }
  size_t colons = std::count(text.begin(), text.end(), ':');
  if (colons >= 2) {
    auto address = IpAddress::parse(text);
    if (!address) return "invalid IPv6 address " + quoted(text);
    Endpoint endpoint;
    endpoint.address = address;
    return endpoint;
  }
  if (colons == 1) {
    size_t colon = text.find(':');
    if (colon == 0) return "missing host before " + quoted(text);
    auto port = parse_port(text.substr(colon + 1));
    if (port.index() == 1) return std::get<1>(std::move(port));
    return parse_host(text.substr(0, colon), std::get<0>(port));
  }
  return parse_host(text, std::nullopt);
}

Target from_endpoint(std::string_view text, Endpoint endpoint) {
  Target target;
  target.text = std::string(text);
  target.port = endpoint.port;
  if (endpoint.address) {
    target.kind = TargetKind::kAddress;
    target.range = AddressRange::single(*endpoint.address);
  } else {
    target.kind = TargetKind::kName;
    target.host = std::move(endpoint.host);
  }
  return target;
}

// scheme://host[:port][/path][?query][#fragment]. The scheme does not imply a port:
// CLI.md says scheme and path are ignored, so "https://h/" is scanned on --ports.
std::variant<Target, std::string> parse_url(std::string_view text, size_t scheme_end) {
  std::string_view scheme = text.substr(0, scheme_end);
  bool scheme_ok = !scheme.empty() && is_alpha(scheme.front()) &&
                   std::all_of(scheme.begin(), scheme.end(), [](char c) {
                     return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
                   });
  if (!scheme_ok) return "invalid URL scheme " + quoted(scheme);
  std::string_view rest = text.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // user:password@host is refused rather than ignored: it would be easy to confuse
  // with name@address, and credentials do not belong in a targets file.
  if (authority.find('@') != std::string_view::npos) {
    return std::string("credentials in URL are not supported");
  }
  if (authority.empty()) return "URL has no host: " + quoted(text);
  auto endpoint = parse_endpoint(authority);
  if (endpoint.index() == 1) return std::get<1>(std::move(endpoint));
  return from_endpoint(text, std::get<0>(std::move(endpoint)));
}

// name@address[:port]: one load-balancer pool member, reached by address, asked for name.
std::variant<Target, std::string> parse_name_at_address(std::string_view text, size_t at) {
  if (text.find('@', at + 1) != std::string_view::npos) return std::string("more than one '@'");
  std::string_view name = text.substr(0, at);
  std::string_view where = text.substr(at + 1);
  if (name.empty()) return std::string("missing name before '@'");
  if (where.empty()) return std::string("missing address after '@'");
  // SNI carries only host names (RFC 6066 section 3), so an address before '@' is an error.
  if (IpAddress::parse(name) || looks_like_ipv4(name)) {
    return "the name before '@' must be a hostname, not " + quoted(name);
  }
  auto host = normalize_hostname(name);
  if (host.index() == 1) return std::get<1>(std::move(host));
  auto endpoint = parse_endpoint(where);
  if (endpoint.index() == 1) return std::get<1>(std::move(endpoint));
  Endpoint& e = std::get<0>(endpoint);
  if (!e.address) return quoted(where) + " after '@' is not an IP address";
  Target target;
  target.text = std::string(text);
  target.kind = TargetKind::kNameAtAddress;
  target.host = std::get<0>(std::move(host));
  target.range = AddressRange::single(*e.address);
  target.port = e.port;
  return target;
}

std::variant<Target, std::string> parse_range(std::string_view text, bool cidr) {
  std::string error;
  auto range =
      cidr ? AddressRange::parse_cidr(text, &error) : AddressRange::parse_dash(text, &error);
  if (!range) return error;
  Target target;
  target.text = std::string(text);
  target.kind = TargetKind::kRange;
  target.range = *range;
  return target;
}

// A host name with an optional port: the form nearly every line of a large targets file
// has, read in one pass instead of the general parser's several.
struct PlainName {
  char host[kMaxHostnameLength + 1];  // lower-cased; host[0, size) is the name kept
  size_t size = 0;
  std::optional<uint16_t> port;
};

bool plain_label_ok(std::string_view text, size_t start, size_t end) {
  return end > start && end - start <= kMaxLabelLength && text[start] != '-' &&
         text[end - 1] != '-';
}

// Reads "name" or "name:port" into out in one pass that validates and lower-cases.
// Returns false for any other text, invalid names included: parse_any then decides them
// and words the error. Text accepted here holds only name bytes, dots and one ':' before
// digits, and does not start with a digit, so parse_any would see no URL, '@', CIDR or
// range (an address needs a leading digit or a ':') and pass it through parse_endpoint and
// parse_host to looks_like_ipv4 and normalize_hostname, whose checks are made here; it
// would return the same name and port.
bool read_plain_name(std::string_view text, PlainName& out) {
  // Addresses, CIDRs and ranges start with a digit, and so may a name; such text is left
  // to parse_any at once rather than scanned twice.
  if (text.empty() || is_digit(text[0])) return false;
  // A name is at most 253 characters, 254 with its trailing dot; a longer run of name
  // bytes stops here and is left to parse_any.
  const size_t limit = std::min(text.size(), kMaxHostnameLength + 1);
  size_t label_start = 0;
  size_t i = 0;
  while (true) {
    // The label's bytes, lower-cased as they are checked.
    for (char kept; i < limit && (kept = kHostByte[static_cast<unsigned char>(text[i])]) != 0;
         ++i) {
      out.host[i] = kept;
    }
    if (i == limit || text[i] != '.') break;
    if (!plain_label_ok(text, label_start, i)) return false;
    out.host[i++] = '.';
    label_start = i;
  }
  const size_t host_end = i;
  if (host_end < text.size() && text[host_end] != ':') return false;
  // The last label, or, after a trailing dot, the one before it.
  size_t last_start = label_start;
  size_t last_end = host_end;
  if (label_start == host_end) {
    if (host_end == 0) return false;  // nothing before the end or the ':'
    out.size = host_end - 1;          // the trailing dot is not kept
    last_end = host_end - 1;
    last_start = std::string_view(text.data(), last_end).rfind('.') + 1;  // npos + 1 == 0
  } else {
    if (!plain_label_ok(text, label_start, host_end)) return false;
    out.size = host_end;
  }
  if (out.size > kMaxHostnameLength) return false;
  // A numeric last label makes an error ("invalid IPv4 address"), and so may "0x..." (see
  // looks_like_ipv4).
  std::string_view last = text.substr(last_start, last_end - last_start);
  if (all_digits(last)) return false;
  if (last.size() > 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) return false;
  if (host_end == text.size()) return true;
  // ":port", read as the general parser reads it (a bad one is left to it, for its error).
  auto port = parse_port(text.substr(host_end + 1));
  if (port.index() != 0) return false;
  out.port = std::get<0>(port);
  return true;
}

// Built in place: a Target moved into the variant would cost its two strings' moves. The
// strings are constructed and moved in: assign() into an empty string costs twice as much.
std::variant<Target, std::string> plain_name_target(std::string_view text, const PlainName& name) {
  std::variant<Target, std::string> result(std::in_place_index<0>);
  Target& target = *std::get_if<0>(&result);
  target.text = std::string(text);
  target.kind = TargetKind::kName;
  target.host = std::string(name.host, name.size);
  target.port = name.port;
  return result;
}

// Every form; text is trimmed.
std::variant<Target, std::string> parse_any(std::string_view text) {
  if (text.empty()) return std::string("empty target");
  if (std::string bad = check_characters(text); !bad.empty()) return bad;

  // The order matters: a URL may hold '@' or '/' after its host, and a range's first
  // address is checked before colons are counted because IPv6 ranges contain colons.
  if (size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos) {
    return parse_url(text, scheme_end);
  }
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    return parse_name_at_address(text, at);
  }
  if (text.find('/') != std::string_view::npos) return parse_range(text, /*cidr=*/true);
  if (size_t dash = text.find('-');
      dash != std::string_view::npos && IpAddress::parse(text.substr(0, dash))) {
    return parse_range(text, /*cidr=*/false);
  }
  auto endpoint = parse_endpoint(text);
  if (endpoint.index() == 1) return std::get<1>(std::move(endpoint));
  return from_endpoint(text, std::get<0>(std::move(endpoint)));
}

}  // namespace

std::variant<Target, std::string> parse_target(std::string_view item) {
  std::string_view text = trim(item);
  PlainName name;
  if (read_plain_name(text, name)) return plain_name_target(text, name);
  return parse_any(text);
}

}  // namespace tlsfleet::net
