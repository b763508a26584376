// DNS messages for the resolver's own UDP path (RFC 1035): a one-question query, and
// what that path needs from a reply (the addresses along the answer's CNAME chain, or
// NXDOMAIN, or "no data"). Anything else a reply can say (truncation, SERVFAIL, REFUSED,
// a malformed section) is kOther: the resolver then asks c-ares, which handles it all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "net/address.h"

namespace tlsfleet::net::dns {

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kClassIn = 1;
constexpr size_t kHeaderSize = 12;
// A name in wire form is at most 255 bytes; a query adds its header and QTYPE, QCLASS.
constexpr size_t kMaxName = 255;
constexpr size_t kMaxQuery = kHeaderSize + kMaxName + 4;

// A byte with ASCII letters lower-cased, as DNS compares names (RFC 4343).
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
constexpr uint8_t ascii_lower(uint8_t c) {
  return static_cast<uint8_t>(ascii_lower(static_cast<char>(c)));
}

// Writes name in wire form (length-prefixed labels, lower case, the root's zero at the
// end) to out, which has room for kMaxName bytes; returns its length, or 0 when the name
// is not plain labels: empty, an empty label (".." or a leading dot), a label over 63
// bytes, over 255 bytes in all, or a backslash (which c-ares reads as an escape). One
// final dot is allowed.
size_t write_name(std::string_view name, uint8_t* out);

// Writes a query with recursion desired for the wire-form name, type qtype, class IN:
// out needs kMaxQuery bytes. Returns its length.
size_t write_query(uint16_t id, const uint8_t* wire_name, size_t wire_length, uint16_t qtype,
                   uint8_t* out);

// The ID of a message at least a header long.
inline uint16_t message_id(const uint8_t* message) {
  return static_cast<uint16_t>(message[0] << 8 | message[1]);
}

enum class ReplyKind {
  kNotOurs,    // not a reply to this query (not a response, or another question): ignore it
  kAddresses,  // NOERROR with at least one address of the asked type
  kNoData,     // NOERROR without one (also a CNAME chain that ends nowhere)
  kNxdomain,   // NXDOMAIN
  kOther,      // truncated, another RCODE or opcode, or malformed: ask another way
};

// Reads a reply to the query for wire_name (as write_name made it) of type qtype; the
// caller has matched the ID. Addresses of the asked type owned by the name or, following
// CNAME records in order, by the name it leads to, are appended to out; for any other
// kind out is left as it was.
ReplyKind read_reply(const uint8_t* reply, size_t length, const uint8_t* wire_name,
                     size_t wire_length, uint16_t qtype, std::vector<IpAddress>* out);

}  // namespace tlsfleet::net::dns
