#include "net/dns_message.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfleet::net::dns {
namespace {

using Bytes = std::vector<uint8_t>;

// Reply flags: QR, opcode QUERY, RD, RA, and the RCODE in the low four bits.
constexpr uint16_t kNoError = 0x8180;
constexpr uint16_t kServfail = 0x8182;
constexpr uint16_t kNxdomainFlags = 0x8183;
constexpr uint16_t kRefused = 0x8185;
constexpr uint16_t kTruncated = 0x8380;  // TC
constexpr uint16_t kClassCh = 3;
constexpr uint16_t kTypeTxt = 16;
// Where a reply's question name starts, for pointers to it.
constexpr uint16_t kQuestionName = kHeaderSize;

void append(Bytes* to, const Bytes& bytes) { to->insert(to->end(), bytes.begin(), bytes.end()); }

Bytes u16(uint16_t value) {
  return {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

// The labels of dotted text as given (no case folding), without the root's zero.
Bytes labels(std::string_view dotted) {
  Bytes out;
  while (!dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string_view label = dotted.substr(0, dot);
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    dotted.remove_prefix(dot == std::string_view::npos ? dotted.size() : dot + 1);
  }
  return out;
}

// A name in wire form, uncompressed.
Bytes name(std::string_view dotted) {
  Bytes out = labels(dotted);
  out.push_back(0);
  return out;
}

Bytes pointer(size_t offset) {
  return {static_cast<uint8_t>(0xc0 | offset >> 8), static_cast<uint8_t>(offset)};
}

// Labels that end in a pointer to the rest of the name.
Bytes name_then_pointer(std::string_view dotted, size_t offset) {
  Bytes out = labels(dotted);
  append(&out, pointer(offset));
  return out;
}

Bytes v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }

Bytes v6(const char* text) {
  Bytes out(16);
  EXPECT_EQ(inet_pton(AF_INET6, text, out.data()), 1) << text;
  return out;
}

// A reply built up record by record; the answer count follows the records added.
struct Reply {
  explicit Reply(std::string_view qname, uint16_t qtype = kTypeA, uint16_t flags = kNoError,
                 uint16_t qclass = kClassIn) {
    append(&bytes, {0xbe, 0xef});
    append(&bytes, u16(flags));
    append(&bytes, {0, 1, 0, 0, 0, 0, 0, 0});  // one question, no records yet
    append(&bytes, name(qname));
    append(&bytes, u16(qtype));
    append(&bytes, u16(qclass));
  }

  // Appends an answer record; returns where its rdata starts, for pointers into it.
  size_t add(const Bytes& owner, uint16_t type, const Bytes& rdata, uint16_t rclass = kClassIn) {
    append(&bytes, owner);
    append(&bytes, u16(type));
    append(&bytes, u16(rclass));
    append(&bytes, {0, 0, 0x0e, 0x10});  // TTL 3600
    append(&bytes, u16(static_cast<uint16_t>(rdata.size())));
    size_t rdata_at = bytes.size();
    append(&bytes, rdata);
    set_answer_count(answer_count() + 1);
    return rdata_at;
  }

  uint16_t answer_count() const { return static_cast<uint16_t>(bytes[6] << 8 | bytes[7]); }
  void set_answer_count(uint16_t count) {
    bytes[6] = static_cast<uint8_t>(count >> 8);
    bytes[7] = static_cast<uint8_t>(count);
  }

  Bytes bytes;
};

struct Read {
  ReplyKind kind;
  std::vector<IpAddress> out;
};

// read_reply on a copy of message in a buffer of exactly its size (so that a sanitizer
// sees any read past its end), for the query write_name makes of qname.
Read read_raw(const Bytes& message, std::string_view qname, uint16_t qtype,
              std::vector<IpAddress> out = {}) {
  uint8_t wire[kMaxName];
  size_t wire_length = write_name(qname, wire);
  EXPECT_NE(wire_length, 0u) << qname;
  auto copy = std::make_unique<uint8_t[]>(message.size());
  if (!message.empty()) std::memcpy(copy.get(), message.data(), message.size());
  ReplyKind kind = read_reply(copy.get(), message.size(), wire, wire_length, qtype, &out);
  return {kind, std::move(out)};
}

const char* kind_name(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::kNotOurs:
      return "kNotOurs";
    case ReplyKind::kAddresses:
      return "kAddresses";
    case ReplyKind::kNoData:
      return "kNoData";
    case ReplyKind::kNxdomain:
      return "kNxdomain";
    case ReplyKind::kOther:
      return "kOther";
  }
  return "?";
}

// The kind and the addresses appended, as one line: "kAddresses 192.0.2.1 192.0.2.2".
std::string read(const Bytes& message, std::string_view qname = "www.example.com",
                 uint16_t qtype = kTypeA) {
  Read r = read_raw(message, qname, qtype);
  std::string text = kind_name(r.kind);
  for (const IpAddress& a : r.out) {
    text += ' ';
    text += a.to_string();
    EXPECT_EQ(a.family(), qtype == kTypeA ? IpAddress::Family::kV4 : IpAddress::Family::kV6);
  }
  return text;
}

std::string wire_text(const uint8_t* bytes, size_t length) {
  return std::string(reinterpret_cast<const char*>(bytes), length);
}

std::string written_name(std::string_view name) {
  uint8_t out[kMaxName];
  size_t length = write_name(name, out);
  return length == 0 ? "<rejected>" : wire_text(out, length);
}

// Dotted text of labels with these lengths, each label of one letter repeated.
std::string name_of_labels(std::initializer_list<size_t> lengths) {
  std::string text;
  char letter = 'a';
  for (size_t length : lengths) {
    if (!text.empty()) text += '.';
    text.append(length, letter++);
  }
  return text;
}

// write_name

TEST(DnsMessageTest, WriteNameLowercasesPlainName) {
  EXPECT_EQ(written_name("WWW.Example.COM"), std::string("\3www\7example\3com\0", 17));
  EXPECT_EQ(written_name("a"), std::string("\1a\0", 3));
  // Only ASCII letters fold; other bytes pass as they are.
  EXPECT_EQ(written_name("X-1_\xc4"), std::string("\5x-1_\xc4\0", 7));
}

TEST(DnsMessageTest, WriteNameAllowsOneFinalDot) {
  EXPECT_EQ(written_name("example.com."), std::string("\7example\3com\0", 13));
  EXPECT_EQ(written_name("example.com.."), "<rejected>");
}

TEST(DnsMessageTest, WriteNameRejectsEmptyLabels) {
  for (const char* bad : {"", ".", "..", ".example.com", "example..com", "..example.com"}) {
    EXPECT_EQ(written_name(bad), "<rejected>") << '"' << bad << '"';
  }
}

TEST(DnsMessageTest, WriteNameTakesLabelsUpTo63Bytes) {
  std::string label63(63, 'x');
  EXPECT_EQ(written_name(label63), '\x3f' + label63 + std::string(1, '\0'));
  EXPECT_EQ(written_name(label63 + ".com").size(), 69u);
  EXPECT_EQ(written_name(std::string(64, 'x')), "<rejected>");
  EXPECT_EQ(written_name("www." + std::string(64, 'x') + ".com"), "<rejected>");
}

TEST(DnsMessageTest, WriteNameTakesUpTo255WireBytes) {
  // 253 characters of text are 255 bytes on the wire: one length byte more than the dots,
  // and the root's zero.
  std::string longest = name_of_labels({63, 63, 63, 61});
  ASSERT_EQ(longest.size(), 253u);
  uint8_t out[kMaxName + 8];
  std::memset(out, 0xaa, sizeof out);
  ASSERT_EQ(write_name(longest, out), 255u);
  EXPECT_EQ(out[0], 63);
  EXPECT_EQ(out[254], 0);
  for (size_t i = kMaxName; i < sizeof out; ++i) EXPECT_EQ(out[i], 0xaa) << i;  // untouched
  EXPECT_EQ(written_name(longest + "."), wire_text(out, 255));

  std::string too_long = name_of_labels({63, 63, 63, 62});
  ASSERT_EQ(too_long.size(), 254u);
  EXPECT_EQ(written_name(too_long), "<rejected>");
  EXPECT_EQ(written_name(too_long + "."), "<rejected>");
  EXPECT_EQ(written_name(name_of_labels({63, 63, 63, 63})), "<rejected>");
}

TEST(DnsMessageTest, WriteNameRejectsBackslash) {
  for (const char* bad : {"exa\\mple.com", "a\\.b.com", "www.example.com\\", "\\065.com"}) {
    EXPECT_EQ(written_name(bad), "<rejected>") << bad;
  }
}

// write_query

TEST(DnsMessageTest, WriteQueryExactBytes) {
  uint8_t wire[kMaxName];
  size_t wire_length = write_name("www.Example.com", wire);
  ASSERT_EQ(wire_length, 17u);
  uint8_t out[kMaxQuery];
  size_t length = write_query(0xbeef, wire, wire_length, kTypeAaaa, out);
  const std::string expected(
      "\xbe\xef"                  // ID
      "\x01\x00"                  // flags: RD only
      "\x00\x01"                  // QDCOUNT
      "\x00\x00\x00\x00\x00\x00"  // ANCOUNT, NSCOUNT, ARCOUNT
      "\3www\7example\3com\0"
      "\x00\x1c"   // QTYPE AAAA
      "\x00\x01",  // QCLASS IN
      33);
  EXPECT_EQ(wire_text(out, length), expected);
  EXPECT_EQ(message_id(out), 0xbeef);

  length = write_query(0x0102, wire, wire_length, kTypeA, out);
  ASSERT_EQ(length, 33u);
  EXPECT_EQ(message_id(out), 0x0102);
  EXPECT_EQ(out[29], 0);
  EXPECT_EQ(out[30], kTypeA);
}

TEST(DnsMessageTest, QueryIsNotItsOwnReply) {
  uint8_t wire[kMaxName];
  size_t wire_length = write_name("www.example.com", wire);
  uint8_t query[kMaxQuery];
  size_t length = write_query(7, wire, wire_length, kTypeA, query);
  std::vector<IpAddress> out;
  EXPECT_EQ(kind_name(read_reply(query, length, wire, wire_length, kTypeA, &out)), "kNotOurs");
  query[2] |= 0x80;  // the same bytes as a response: our question, no answers
  EXPECT_EQ(kind_name(read_reply(query, length, wire, wire_length, kTypeA, &out)), "kNoData");
  EXPECT_TRUE(out.empty());
}

// read_reply: answers

TEST(DnsMessageTest, ReadsAnARecord) {
  Reply r("www.example.com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.1");
}

TEST(DnsMessageTest, ReadsTwoARecords) {
  Reply r("www.example.com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  r.add(name("www.example.com"), kTypeA, v4(198, 51, 100, 254));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.1 198.51.100.254");
}

TEST(DnsMessageTest, ReadsAnAaaaRecord) {
  Reply r("www.example.com", kTypeAaaa);
  r.add(pointer(kQuestionName), kTypeAaaa, v6("2001:db8::5"));
  r.add(pointer(kQuestionName), kTypeAaaa, v6("2001:db8:ffff:1:2:3:4:5"));
  EXPECT_EQ(read(r.bytes, "www.example.com", kTypeAaaa),
            "kAddresses 2001:db8::5 2001:db8:ffff:1:2:3:4:5");
}

TEST(DnsMessageTest, AppendsToWhatOutHolds) {
  Reply r("www.example.com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  IpAddress before = *IpAddress::parse("2001:db8::1");
  Read got = read_raw(r.bytes, "www.example.com", kTypeA, {before});
  EXPECT_EQ(kind_name(got.kind), "kAddresses");
  ASSERT_EQ(got.out.size(), 2u);
  EXPECT_EQ(got.out[0], before);
  EXPECT_EQ(got.out[1].to_string(), "192.0.2.1");

  // What out held is not an answer to this query.
  Reply none("www.example.com");
  got = read_raw(none.bytes, "www.example.com", kTypeA, {before});
  EXPECT_EQ(kind_name(got.kind), "kNoData");
  ASSERT_EQ(got.out.size(), 1u);
  EXPECT_EQ(got.out[0], before);
}

TEST(DnsMessageTest, QuestionEchoedInOtherCaseIsOurs) {
  Reply r("wWw.EXAMPLE.Com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes, "www.example.com"), "kAddresses 192.0.2.1");
  EXPECT_EQ(read(r.bytes, "WWW.example.com"), "kAddresses 192.0.2.1");
}

TEST(DnsMessageTest, OwnerNamesCompareWithoutCase) {
  Reply r("www.example.com");
  r.add(name("WWW.Example.COM"), kTypeA, v4(192, 0, 2, 1));
  size_t target = r.add(name("www.example.com"), kTypeCname, name("CDN.example.NET"));
  r.add(pointer(target), kTypeA, v4(192, 0, 2, 2));
  r.add(name("cdn.EXAMPLE.net"), kTypeA, v4(192, 0, 2, 3));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.1 192.0.2.2 192.0.2.3");
}

TEST(DnsMessageTest, FollowsCnameChainThroughPointers) {
  // www.example.com CNAME cdn.example.com (owner: the question; target: "cdn" and a pointer
  // to the question's "example.com"), cdn.example.com CNAME edge.example.net, and
  // edge.example.net A, each owner a pointer to the previous target.
  Reply r("www.example.com");
  size_t cdn =
      r.add(pointer(kQuestionName), kTypeCname, name_then_pointer("cdn", kQuestionName + 4));
  // Now cdn.example.com owns the chain: records of the old name no longer count.
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 99));
  size_t edge = r.add(pointer(cdn), kTypeCname, name("edge.example.net"));
  r.add(pointer(cdn), kTypeA, v4(192, 0, 2, 98));
  r.add(pointer(edge), kTypeA, v4(192, 0, 2, 7));
  r.add(name_then_pointer("edge", edge + 5), kTypeA, v4(192, 0, 2, 8));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.7 192.0.2.8");
}

TEST(DnsMessageTest, CnameChainEndingNowhereIsNoData) {
  Reply r("www.example.com", kTypeAaaa);
  size_t cdn = r.add(pointer(kQuestionName), kTypeCname, name("cdn.example.net"));
  r.add(pointer(cdn), kTypeA, v4(192, 0, 2, 1));  // not the asked type
  EXPECT_EQ(read(r.bytes, "www.example.com", kTypeAaaa), "kNoData");
}

TEST(DnsMessageTest, IgnoresRecordsOfOtherNames) {
  Reply r("www.example.com");
  r.add(name("example.com"), kTypeA, v4(192, 0, 2, 1));
  r.add(name("www.example.com.evil"), kTypeA, v4(192, 0, 2, 2));
  r.add(name_then_pointer("x", kQuestionName), kTypeA, v4(192, 0, 2, 3));
  r.add(name("www.example.org"), kTypeA, v4(192, 0, 2, 4));
  r.add(name("www.example.co"), kTypeA, v4(192, 0, 2, 5));
  // A CNAME of another name does not change the chain either.
  r.add(name("other.example.com"), kTypeCname, pointer(kQuestionName));
  EXPECT_EQ(read(r.bytes), "kNoData");
}

TEST(DnsMessageTest, IgnoresRecordsOfOtherClasses) {
  Reply r("www.example.com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 9), kClassCh);
  r.add(pointer(kQuestionName), kTypeCname, name("chaos.example.com"), kClassCh);
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.1");

  Reply only_ch("www.example.com");
  only_ch.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 9), kClassCh);
  EXPECT_EQ(read(only_ch.bytes), "kNoData");
}

TEST(DnsMessageTest, IgnoresRecordsOfOtherTypes) {
  Reply r("www.example.com", kTypeAaaa);
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  r.add(pointer(kQuestionName), kTypeTxt, {3, 'a', 'b', 'c'});
  EXPECT_EQ(read(r.bytes, "www.example.com", kTypeAaaa), "kNoData");
  r.add(pointer(kQuestionName), kTypeAaaa, v6("::1"));
  EXPECT_EQ(read(r.bytes, "www.example.com", kTypeAaaa), "kAddresses ::1");
}

TEST(DnsMessageTest, LongestNameIsRead) {
  std::string longest = name_of_labels({63, 63, 63, 61});
  Reply r(longest);
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  size_t target = r.add(pointer(kQuestionName), kTypeCname, name(longest));
  r.add(pointer(target), kTypeA, v4(192, 0, 2, 2));
  EXPECT_EQ(read(r.bytes, longest), "kAddresses 192.0.2.1 192.0.2.2");
}

// read_reply: status

TEST(DnsMessageTest, NxdomainIsNxdomain) {
  Reply r("www.example.com", kTypeA, kNxdomainFlags);
  EXPECT_EQ(read(r.bytes), "kNxdomain");
  // Even with an answer in it: the RCODE decides.
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kNxdomain");
}

TEST(DnsMessageTest, NoErrorWithoutAnswersIsNoData) {
  Reply r("www.example.com");
  EXPECT_EQ(read(r.bytes), "kNoData");
  Reply aaaa("www.example.com", kTypeAaaa);
  EXPECT_EQ(read(aaaa.bytes, "www.example.com", kTypeAaaa), "kNoData");
}

TEST(DnsMessageTest, TruncatedIsOther) {
  Reply r("www.example.com", kTypeA, kTruncated);
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kOther");
  Reply nxdomain("www.example.com", kTypeA, kTruncated | 3);
  EXPECT_EQ(read(nxdomain.bytes), "kOther");
}

TEST(DnsMessageTest, ServfailAndRefusedAreOther) {
  for (uint16_t flags : {kServfail, kRefused, uint16_t{0x8181}, uint16_t{0x8184}}) {
    Reply r("www.example.com", kTypeA, flags);
    r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
    EXPECT_EQ(read(r.bytes), "kOther") << std::hex << flags;
  }
}

TEST(DnsMessageTest, OtherOpcodeIsOther) {
  for (uint16_t opcode : {1, 2, 4, 5, 15}) {
    Reply r("www.example.com", kTypeA, static_cast<uint16_t>(kNoError | opcode << 11));
    r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
    EXPECT_EQ(read(r.bytes), "kOther") << opcode;
  }
}

TEST(DnsMessageTest, QuestionCountOtherThanOneIsOther) {
  for (uint8_t count : {0, 2}) {
    Reply r("www.example.com");
    r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
    r.bytes[5] = count;
    EXPECT_EQ(read(r.bytes), "kOther") << int{count};
  }
}

// read_reply: not ours

TEST(DnsMessageTest, QueryIsNotOurs) {
  Reply r("www.example.com", kTypeA, 0x0100);  // QR clear
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kNotOurs");
  Reply nxdomain("www.example.com", kTypeA, 0x0103);
  EXPECT_EQ(read(nxdomain.bytes), "kNotOurs");
}

TEST(DnsMessageTest, OtherQuestionIsNotOurs) {
  Reply answer_to_aaaa("www.example.com", kTypeAaaa);
  answer_to_aaaa.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(answer_to_aaaa.bytes), "kNotOurs");

  Reply chaos("www.example.com", kTypeA, kNoError, kClassCh);
  chaos.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(chaos.bytes), "kNotOurs");

  for (const char* other : {"www.example.org", "ww.example.com", "www.example.co",
                            "www.example.com.au", "wwx.example.com", "example.com"}) {
    Reply r(other);
    r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
    EXPECT_EQ(read(r.bytes), "kNotOurs") << other;
  }
}

TEST(DnsMessageTest, ShorterThanHeaderIsNotOurs) {
  Reply r("www.example.com", kTypeA, kNxdomainFlags);
  for (size_t length : {0, 1, 11}) {
    EXPECT_EQ(read(Bytes(r.bytes.begin(), r.bytes.begin() + length)), "kNotOurs") << length;
  }
}

TEST(DnsMessageTest, QuestionCutShortIsNotOurs) {
  Reply r("www.example.com", kTypeA, kNxdomainFlags);
  ASSERT_EQ(r.bytes.size(), 33u);
  EXPECT_EQ(read(r.bytes), "kNxdomain");
  for (size_t length : {12, 13, 20, 28, 29, 31, 32}) {
    EXPECT_EQ(read(Bytes(r.bytes.begin(), r.bytes.begin() + length)), "kNotOurs") << length;
  }
}

// read_reply: malformed records

TEST(DnsMessageTest, AddressOfWrongLengthIsOther) {
  Reply five("www.example.com");
  five.add(pointer(kQuestionName), kTypeA, {192, 0, 2, 1, 0});
  EXPECT_EQ(read(five.bytes), "kOther");

  Reply three("www.example.com");
  three.add(pointer(kQuestionName), kTypeA, {192, 0, 2});
  EXPECT_EQ(read(three.bytes), "kOther");

  Reply aaaa("www.example.com", kTypeAaaa);
  aaaa.add(pointer(kQuestionName), kTypeAaaa, v4(192, 0, 2, 1));
  EXPECT_EQ(read(aaaa.bytes, "www.example.com", kTypeAaaa), "kOther");
}

TEST(DnsMessageTest, MalformedRecordAfterAnAddressIsOther) {
  Reply r("www.example.com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  r.add(pointer(kQuestionName), kTypeA, {192, 0, 2, 2, 0});
  EXPECT_EQ(read(r.bytes), "kOther");  // and the first address is taken back
}

TEST(DnsMessageTest, RdataPastTheEndIsOther) {
  Reply r("www.example.com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.1");
  r.bytes.pop_back();
  EXPECT_EQ(read(r.bytes), "kOther");

  // An rdata of another type, or another name's, must fit too.
  Reply txt("www.example.com");
  txt.add(name("other.example.com"), kTypeTxt, {3, 'a', 'b', 'c'});
  txt.bytes.pop_back();
  EXPECT_EQ(read(txt.bytes), "kOther");
}

TEST(DnsMessageTest, RecordCutShortIsOther) {
  Reply r("www.example.com");
  size_t record = r.bytes.size();
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  for (size_t length = record + 1; length < record + 2 + 10; ++length) {
    EXPECT_EQ(read(Bytes(r.bytes.begin(), r.bytes.begin() + length)), "kOther") << length;
  }
}

TEST(DnsMessageTest, CnameTargetPastItsRdataIsOther) {
  Reply r("www.example.com");
  size_t target = r.add(pointer(kQuestionName), kTypeCname, name("cdn.example.com"));
  r.add(pointer(target), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.1");

  // The rdata holds only "cdn": the name runs on into the next record's owner,
  // example.com, and would read as cdn.example.com.
  Reply past("www.example.com");
  target = past.add(pointer(kQuestionName), kTypeCname, labels("cdn"));
  past.add(name("example.com"), kTypeA, v4(192, 0, 2, 9));
  past.add(pointer(target), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(past.bytes), "kOther");
}

TEST(DnsMessageTest, PointerToItselfIsOther) {
  Reply owner("www.example.com");
  owner.add(pointer(owner.bytes.size()), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(owner.bytes), "kOther");

  // A CNAME target that points at itself, behind a label.
  Reply target("www.example.com");
  size_t rdata = target.bytes.size() + 2 + 10;
  target.add(pointer(kQuestionName), kTypeCname, name_then_pointer("loop", rdata));
  EXPECT_EQ(read(target.bytes), "kOther");
}

TEST(DnsMessageTest, PointerLoopIsOther) {
  // A record the reader skips (another type) holds two pointers, to each other; each
  // points back from where a later owner name starts, but not from where it is met.
  Reply r("www.example.com");
  size_t loop = r.bytes.size() + 2 + 10;
  Bytes pair = pointer(loop + 2);
  append(&pair, pointer(loop));
  r.add(pointer(kQuestionName), kTypeTxt, pair);
  r.add(pointer(loop), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kOther");
}

TEST(DnsMessageTest, ForwardPointerIsOther) {
  // The pointer leads to a good name after the record; only its direction is wrong.
  Reply r("www.example.com");
  size_t later = r.bytes.size() + 2 + 10 + 4;
  r.add(pointer(later), kTypeA, v4(192, 0, 2, 1));
  append(&r.bytes, name("www.example.com"));
  EXPECT_EQ(read(r.bytes), "kOther");
}

TEST(DnsMessageTest, ReservedLabelTypesAreOther) {
  for (uint8_t bad : {0x40, 0x80}) {
    Reply r("www.example.com");
    r.add({bad, 0}, kTypeA, v4(192, 0, 2, 1));
    // Enough bytes after it that it cannot be read as a long label either.
    r.bytes.resize(r.bytes.size() + 300);
    EXPECT_EQ(read(r.bytes), "kOther") << int{bad};
  }
}

TEST(DnsMessageTest, NameOver255BytesIsOther) {
  Reply r("www.example.com");
  // 256 bytes on the wire: one more than LongestNameIsRead's.
  r.add(pointer(kQuestionName), kTypeCname, name(name_of_labels({63, 63, 63, 62})));
  EXPECT_EQ(read(r.bytes), "kOther");
}

TEST(DnsMessageTest, AnswerCountBeyondRecordsIsOther) {
  Reply r("www.example.com");
  r.add(pointer(kQuestionName), kTypeA, v4(192, 0, 2, 1));
  EXPECT_EQ(read(r.bytes), "kAddresses 192.0.2.1");
  r.set_answer_count(2);
  EXPECT_EQ(read(r.bytes), "kOther");
  r.set_answer_count(0xffff);
  EXPECT_EQ(read(r.bytes), "kOther");

  Reply empty("www.example.com");
  empty.set_answer_count(1);
  EXPECT_EQ(read(empty.bytes), "kOther");
}

}  // namespace
}  // namespace tlsfleet::net::dns
