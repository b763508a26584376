#include "net/dns_message.h"

#include <cstring>

namespace tlsfleet::net::dns {
namespace {

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// Reads the (possibly compressed) name at *pos into out in wire form, lower case; on
// success *pos is just past the name where it starts (past the first pointer, if any)
// and the length is returned, else 0. A pointer must point before the labels it ends,
// so a message cannot make the walk loop.
size_t read_name(const uint8_t* message, size_t length, size_t* pos, uint8_t* out) {
  size_t at = *pos;
  size_t after = 0;  // where the name ends in the record, once a pointer was followed
  size_t written = 0;
  size_t floor = at;  // a pointer must point below this
  for (;;) {
    if (at >= length) return 0;
    uint8_t label = message[at];
    if (label == 0) {
      if (written + 1 > kMaxName) return 0;
      out[written++] = 0;
      *pos = after != 0 ? after : at + 1;
      return written;
    }
    if ((label & 0xc0) == 0xc0) {
      if (at + 1 >= length) return 0;
      size_t target = static_cast<size_t>(label & 0x3f) << 8 | message[at + 1];
      if (target >= floor) return 0;
      if (after == 0) after = at + 2;
      at = target;
      floor = target;
      continue;
    }
    if ((label & 0xc0) != 0) return 0;  // the 0x40 and 0x80 label types: not in use
    if (at + 1 + label > length || written + 1 + label + 1 > kMaxName) return 0;
    out[written++] = label;
    for (size_t i = 0; i < label; ++i) out[written++] = ascii_lower(message[at + 1 + i]);
    at += 1 + label;
  }
}

}  // namespace

size_t write_name(std::string_view name, uint8_t* out) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() + 2 > kMaxName) return 0;
  // One pass: each label's length byte is filled in when its dot (or the end) is reached.
  size_t length_at = 0;
  size_t written = 1;
  for (char ch : name) {
    auto c = static_cast<uint8_t>(ch);
    if (c == '.') {
      size_t label = written - length_at - 1;
      if (label == 0 || label > 63) return 0;
      out[length_at] = static_cast<uint8_t>(label);
      length_at = written++;
      continue;
    }
    if (c == '\\') return 0;
    out[written++] = ascii_lower(c);
  }
  size_t label = written - length_at - 1;
  if (label == 0 || label > 63) return 0;
  out[length_at] = static_cast<uint8_t>(label);
  out[written++] = 0;
  return written;
}

size_t write_query(uint16_t id, const uint8_t* wire_name, size_t wire_length, uint16_t qtype,
                   uint8_t* out) {
  // ID, flags (RD), one question, no other records.
  const uint8_t header[kHeaderSize] = {static_cast<uint8_t>(id >> 8),
                                       static_cast<uint8_t>(id),
                                       0x01,
                                       0x00,
                                       0x00,
                                       0x01,
                                       0,
                                       0,
                                       0,
                                       0,
                                       0,
                                       0};
  std::memcpy(out, header, kHeaderSize);
  std::memcpy(out + kHeaderSize, wire_name, wire_length);
  uint8_t* tail = out + kHeaderSize + wire_length;
  tail[0] = static_cast<uint8_t>(qtype >> 8);
  tail[1] = static_cast<uint8_t>(qtype);
  tail[2] = 0;
  tail[3] = kClassIn;
  return kHeaderSize + wire_length + 4;
}

namespace {

ReplyKind read_reply_into(const uint8_t* reply, size_t length, const uint8_t* wire_name,
                          size_t wire_length, uint16_t qtype, std::vector<IpAddress>* out) {
  if (length < kHeaderSize || (reply[2] & 0x80) == 0) return ReplyKind::kNotOurs;
  if (read16(reply + 4) != 1) return ReplyKind::kOther;
  // The question, as the server echoes it: the same bytes but for the letters' case.
  size_t question_end = kHeaderSize + wire_length + 4;
  if (question_end > length) return ReplyKind::kNotOurs;
  // Servers echo the question as asked (lower case) almost always: one memcmp, then the
  // byte-by-byte case-folding compare only when that differs.
  if (std::memcmp(reply + kHeaderSize, wire_name, wire_length) != 0) {
    for (size_t i = 0; i < wire_length; ++i) {
      if (ascii_lower(reply[kHeaderSize + i]) != wire_name[i]) return ReplyKind::kNotOurs;
    }
  }
  const uint8_t* tail = reply + kHeaderSize + wire_length;
  if (read16(tail) != qtype || read16(tail + 2) != kClassIn) return ReplyKind::kNotOurs;
  int opcode = (reply[2] >> 3) & 0x0f;
  bool truncated = (reply[2] & 0x02) != 0;
  int rcode = reply[3] & 0x0f;
  if (opcode != 0 || truncated) return ReplyKind::kOther;
  if (rcode == 3) return ReplyKind::kNxdomain;
  if (rcode != 0) return ReplyKind::kOther;

  uint8_t current[kMaxName];
  size_t current_length = wire_length;
  std::memcpy(current, wire_name, wire_length);
  uint8_t owner[kMaxName];
  size_t found = 0;
  size_t pos = question_end;
  for (unsigned i = 0, count = read16(reply + 6); i < count; ++i) {
    size_t owner_length = read_name(reply, length, &pos, owner);
    if (owner_length == 0 || pos + 10 > length) return ReplyKind::kOther;
    uint16_t type = read16(reply + pos);
    uint16_t rclass = read16(reply + pos + 2);
    size_t data = pos + 10;
    size_t data_length = read16(reply + pos + 8);
    if (data + data_length > length) return ReplyKind::kOther;
    pos = data + data_length;
    if (rclass != kClassIn || owner_length != current_length ||
        std::memcmp(owner, current, owner_length) != 0) {
      continue;
    }
    if (type == qtype) {
      size_t bytes = qtype == kTypeA ? 4 : 16;
      if (data_length != bytes) return ReplyKind::kOther;
      u128 value = 0;
      for (size_t b = 0; b < bytes; ++b) value = value << 8 | reply[data + b];
      out->push_back(IpAddress::from_value(
          qtype == kTypeA ? IpAddress::Family::kV4 : IpAddress::Family::kV6, value));
      ++found;
    } else if (type == kTypeCname) {
      size_t target = data;
      size_t target_length = read_name(reply, length, &target, current);
      if (target_length == 0 || target > pos) return ReplyKind::kOther;
      current_length = target_length;
    }
  }
  return found != 0 ? ReplyKind::kAddresses : ReplyKind::kNoData;
}

}  // namespace

ReplyKind read_reply(const uint8_t* reply, size_t length, const uint8_t* wire_name,
                     size_t wire_length, uint16_t qtype, std::vector<IpAddress>* out) {
  size_t before = out->size();
  ReplyKind kind = read_reply_into(reply, length, wire_name, wire_length, qtype, out);
  // A record that turns out malformed after some addresses were read takes them back.
  if (kind != ReplyKind::kAddresses) out->resize(before);
  return kind;
}

}  // namespace tlsfleet::net::dns
