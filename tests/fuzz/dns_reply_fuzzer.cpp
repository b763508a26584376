// DNS replies on arbitrary bytes: dns::read_reply for one question, as the resolver's UDP
// path asks it. Byte 0 picks the question: bit 0 asks AAAA rather than A; bit 1 takes
// the name from the input (byte 1 its length, then its text) rather than
// www.example.com. The rest is the reply. Nothing may crash or read out of bounds, and:
//   - out only grows: what it held stays as it was;
//   - kAddresses appends at least one address, kNoData, kNxdomain and kNotOurs none;
//     kOther none either (what it read before it gave up is taken back);
//   - every appended address has the asked type's family, and took a record's room;
//   - shorter than a header, or without the QR bit, is kNotOurs.
// The query write_query makes for the question is checked too: it is not its own reply,
// and with the QR bit set it is a reply without answers (kNoData).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "net/dns_message.h"

namespace {

namespace dns = tlsfleet::net::dns;
using tlsfleet::net::IpAddress;

void check_query(const uint8_t* wire, size_t wire_length, uint16_t qtype) {
  uint8_t query[dns::kMaxQuery];
  size_t length = dns::write_query(0x5eed, wire, wire_length, qtype, query);
  if (length != dns::kHeaderSize + wire_length + 4) std::abort();
  if (dns::message_id(query) != 0x5eed) std::abort();
  std::vector<IpAddress> out;
  if (dns::read_reply(query, length, wire, wire_length, qtype, &out) != dns::ReplyKind::kNotOurs) {
    std::abort();
  }
  query[2] |= 0x80;
  if (dns::read_reply(query, length, wire, wire_length, qtype, &out) != dns::ReplyKind::kNoData ||
      !out.empty()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint16_t qtype = (data[0] & 1) != 0 ? dns::kTypeAaaa : dns::kTypeA;
  std::string_view name = "www.example.com";
  size_t used = 1;
  if ((data[0] & 2) != 0) {
    if (size < 2 || size - 2 < data[1]) return 0;
    name = std::string_view(reinterpret_cast<const char*>(data + 2), data[1]);
    used = 2 + data[1];
  }

  uint8_t wire[dns::kMaxName];
  size_t wire_length = dns::write_name(name, wire);
  if (wire_length == 0) return 0;
  // Plain labels, lower case, ending in the root.
  size_t at = 0;
  while (wire[at] != 0) {
    if (wire[at] > 63 || at + 1 + wire[at] >= wire_length) std::abort();
    for (size_t i = at + 1; i <= at + wire[at]; ++i) {
      if (wire[i] >= 'A' && wire[i] <= 'Z') std::abort();
    }
    at += 1 + wire[at];
  }
  if (at + 1 != wire_length || wire_length > dns::kMaxName) std::abort();
  check_query(wire, wire_length, qtype);

  // The reply in a buffer of its own size, so any read past its end is one past a heap
  // block.
  size_t length = size - used;
  auto reply = std::make_unique<uint8_t[]>(length);
  if (length != 0) std::memcpy(reply.get(), data + used, length);
  const IpAddress held = IpAddress::from_value(IpAddress::Family::kV6, 0x5eed);
  std::vector<IpAddress> out{held};
  dns::ReplyKind kind = dns::read_reply(reply.get(), length, wire, wire_length, qtype, &out);

  if (out.empty() || out[0] != held) std::abort();
  size_t appended = out.size() - 1;
  switch (kind) {
    case dns::ReplyKind::kAddresses:
      if (appended == 0) std::abort();
      break;
    case dns::ReplyKind::kNotOurs:
    case dns::ReplyKind::kNoData:
    case dns::ReplyKind::kNxdomain:
      if (appended != 0) std::abort();
      break;
    case dns::ReplyKind::kOther:
      if (appended != 0) std::abort();
      break;
    default:
      std::abort();
  }
  if ((length < dns::kHeaderSize || (reply[2] & 0x80) == 0) && kind != dns::ReplyKind::kNotOurs) {
    std::abort();
  }
  auto family = qtype == dns::kTypeA ? IpAddress::Family::kV4 : IpAddress::Family::kV6;
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].family() != family) std::abort();
  }
  // Each address came from a record of its own after the question: an owner name of at
  // least one byte, ten bytes of type, class, TTL and length, then the address.
  size_t record = 1 + 10 + (qtype == dns::kTypeA ? 4 : 16);
  if (appended != 0 && appended * record > length - (dns::kHeaderSize + wire_length + 4)) {
    std::abort();
  }
  return 0;
}
