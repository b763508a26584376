#include "net/target.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace tlsfleet::net {
namespace {

Target ok(std::string_view item) {
  auto result = parse_target(item);
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << "'" << item << "' rejected: " << *error;
    return Target{};
  }
  return std::get<Target>(result);
}

std::string bad(std::string_view item) {
  auto result = parse_target(item);
  if (auto* target = std::get_if<Target>(&result)) {
    ADD_FAILURE() << "'" << item << "' accepted as host '" << target->host << "'";
    return {};
  }
  return std::get<std::string>(result);
}

TEST(TargetTest, Name) {
  Target t = ok("Example.COM");
  EXPECT_EQ(t.kind, TargetKind::kName);
  EXPECT_EQ(t.host, "example.com");
  EXPECT_EQ(t.text, "Example.COM");
  EXPECT_FALSE(t.port);
}

TEST(TargetTest, NameTrailingDotAndSpaces) {
  Target t = ok("  \twww.example.com.\t ");
  EXPECT_EQ(t.host, "www.example.com");
  EXPECT_EQ(t.text, "www.example.com.");
}

TEST(TargetTest, NameWithPort) {
  Target t = ok("example.com:8443");
  EXPECT_EQ(t.kind, TargetKind::kName);
  EXPECT_EQ(t.host, "example.com");
  ASSERT_TRUE(t.port);
  EXPECT_EQ(*t.port, 8443);
}

TEST(TargetTest, UnusualButValidNames) {
  EXPECT_EQ(ok("localhost").host, "localhost");
  EXPECT_EQ(ok("_dmarc.example.com").host, "_dmarc.example.com");
  EXPECT_EQ(ok("a-b.x1.example").host, "a-b.x1.example");
  EXPECT_EQ(ok("xn--bcher-kva.example").host, "xn--bcher-kva.example");
  EXPECT_EQ(ok("1.2.3.example").host, "1.2.3.example");  // only the last label decides
  std::string label63(63, 'a');
  EXPECT_EQ(ok(label63 + ".com").host, label63 + ".com");
  // 253 characters: four labels of 63 and one of 1, with dots.
  std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_EQ(ok(longest).host, longest);
  EXPECT_EQ(ok(longest + ".").host, longest);
}

TEST(TargetTest, BadNames) {
  EXPECT_EQ(bad("a..b"), "invalid hostname 'a..b': empty label");
  EXPECT_EQ(bad(".example.com"), "invalid hostname '.example.com': empty label");
  EXPECT_EQ(bad("example.com.."), "invalid hostname 'example.com..': empty label");
  EXPECT_EQ(bad("."), "invalid hostname '.': empty");
  EXPECT_EQ(bad("-a.example"), "invalid hostname '-a.example': label starts or ends with '-'");
  EXPECT_EQ(bad("a-.example"), "invalid hostname 'a-.example': label starts or ends with '-'");
  EXPECT_EQ(bad("exa!mple.com"), "invalid hostname 'exa!mple.com': bad character '!'");
  EXPECT_EQ(bad(std::string(64, 'a') + ".com").substr(0, 16), "invalid hostname");
  EXPECT_NE(bad(std::string(64, 'a') + ".com").find("label longer than 63"), std::string::npos);
  std::string too_long = std::string(63, 'a') + "." + std::string(63, 'a') + "." +
                         std::string(63, 'a') + "." + std::string(62, 'b');
  ASSERT_EQ(too_long.size(), 254u);
  EXPECT_NE(bad(too_long).find("longer than 253"), std::string::npos);
}

TEST(TargetTest, WhitespaceAndBinaryInside) {
  EXPECT_EQ(bad("example.com 443"), "unexpected whitespace at position 12");
  EXPECT_EQ(bad(std::string("exa\0mple.com", 12)), "invalid byte 0x00 at position 4");
  EXPECT_NE(bad("b\xc3\xbc"
                "cher.de")
                .find("xn--"),
            std::string::npos);
  EXPECT_EQ(bad(""), "empty target");
  EXPECT_EQ(bad(" \t "), "empty target");
}

TEST(TargetTest, NumericNamesAreBadAddresses) {
  EXPECT_EQ(bad("1.2.3.256"), "invalid IPv4 address '1.2.3.256'");
  EXPECT_EQ(bad("010.0.0.1"), "invalid IPv4 address '010.0.0.1'");
  EXPECT_EQ(bad("127.1"), "invalid IPv4 address '127.1'");
  EXPECT_EQ(bad("1.2.3.4.5"), "invalid IPv4 address '1.2.3.4.5'");
  EXPECT_EQ(bad("0x7f.0.0.1"), "invalid IPv4 address '0x7f.0.0.1'");
  EXPECT_EQ(bad("example.0x10"), "invalid IPv4 address 'example.0x10'");
  EXPECT_EQ(bad("443"), "invalid IPv4 address '443'");
  EXPECT_EQ(bad("1.2.3.256:443"), "invalid IPv4 address '1.2.3.256'");
}

TEST(TargetTest, Ipv4Address) {
  Target t = ok("10.0.0.5");
  EXPECT_EQ(t.kind, TargetKind::kAddress);
  EXPECT_EQ(t.range.first.to_string(), "10.0.0.5");
  EXPECT_EQ(t.range.first, t.range.last);
  EXPECT_TRUE(t.host.empty());
  EXPECT_FALSE(t.port);

  Target p = ok("10.0.0.5:636");
  EXPECT_EQ(p.kind, TargetKind::kAddress);
  ASSERT_TRUE(p.port);
  EXPECT_EQ(*p.port, 636);
}

TEST(TargetTest, BareIpv6IsAnAddressNeverAPort) {
  Target t = ok("2001:db8::5");
  EXPECT_EQ(t.kind, TargetKind::kAddress);
  EXPECT_EQ(t.range.first.to_string(), "2001:db8::5");
  EXPECT_FALSE(t.port);
  // Looks like address:port, but without brackets the last group is part of the address.
  Target ambiguous = ok("2001:db8::5:443");
  EXPECT_EQ(ambiguous.range.first.to_string(), "2001:db8::5:443");
  EXPECT_FALSE(ambiguous.port);
  EXPECT_EQ(ok("::1").range.first.to_string(), "::1");
  EXPECT_EQ(bad("2001:db8::g"), "invalid IPv6 address '2001:db8::g'");
  EXPECT_EQ(bad("fe80::1%eth0"), "invalid IPv6 address 'fe80::1%eth0'");
}

TEST(TargetTest, BracketedIpv6) {
  Target t = ok("[2001:db8::5]:8443");
  EXPECT_EQ(t.kind, TargetKind::kAddress);
  EXPECT_EQ(t.range.first.to_string(), "2001:db8::5");
  ASSERT_TRUE(t.port);
  EXPECT_EQ(*t.port, 8443);

  Target no_port = ok("[::1]");
  EXPECT_EQ(no_port.range.first.to_string(), "::1");
  EXPECT_FALSE(no_port.port);
}

TEST(TargetTest, BadBrackets) {
  EXPECT_EQ(bad("[::1"), "missing ']' in '[::1'");
  EXPECT_EQ(bad("[::1]:"), "empty port");
  EXPECT_EQ(bad("[::1]443"), "unexpected '443' after ']'");
  EXPECT_EQ(bad("[10.0.0.1]:443"), "brackets are only for IPv6 addresses, not '10.0.0.1'");
  EXPECT_EQ(bad("[example.com]:443"), "invalid IPv6 address 'example.com'");
  EXPECT_EQ(bad("[]:443"), "invalid IPv6 address ''");
  EXPECT_EQ(bad("[::1]:70000"), "port 70000 out of range");
}

TEST(TargetTest, Ports) {
  EXPECT_EQ(*ok("example.com:1").port, 1);
  EXPECT_EQ(*ok("example.com:65535").port, 65535);
  EXPECT_EQ(bad("example.com:"), "empty port");
  EXPECT_EQ(bad("example.com:0"), "port 0 out of range");
  EXPECT_EQ(bad("example.com:65536"), "port 65536 out of range");
  EXPECT_EQ(bad("example.com:70000"), "port 70000 out of range");
  EXPECT_EQ(bad("example.com:99999999999999999999"), "port 99999999999999999999 out of range");
  EXPECT_EQ(bad("example.com:https"), "invalid port 'https'");
  EXPECT_EQ(bad("example.com:-1"), "invalid port '-1'");
  EXPECT_EQ(bad("example.com:+443"), "invalid port '+443'");
  EXPECT_EQ(bad(":443"), "missing host before ':443'");
}

TEST(TargetTest, Cidr) {
  Target t = ok("10.0.0.0/16");
  EXPECT_EQ(t.kind, TargetKind::kRange);
  EXPECT_EQ(t.range.size(), 65536u);
  EXPECT_EQ(t.range.first.to_string(), "10.0.0.0");
  EXPECT_FALSE(t.port);

  Target v6 = ok("2001:db8::/120");
  EXPECT_EQ(v6.kind, TargetKind::kRange);
  EXPECT_EQ(v6.range.size(), 256u);

  EXPECT_EQ(bad("10.0.0.0/33"), "prefix /33 out of range for IPv4");
  EXPECT_EQ(bad("10.0.0.0/x"), "invalid CIDR prefix 'x'");
  EXPECT_EQ(bad("10.0.0.0/"), "invalid CIDR prefix ''");
  EXPECT_EQ(bad("example.com/24"), "invalid CIDR address 'example.com'");
}

TEST(TargetTest, DashRange) {
  Target t = ok("10.0.0.1-10.0.0.99");
  EXPECT_EQ(t.kind, TargetKind::kRange);
  EXPECT_EQ(t.range.size(), 99u);
  EXPECT_EQ(t.range.last.to_string(), "10.0.0.99");

  Target v6 = ok("2001:db8::1-2001:db8::ff");
  EXPECT_EQ(v6.kind, TargetKind::kRange);
  EXPECT_EQ(v6.range.size(), 255u);

  EXPECT_EQ(bad("10.0.0.99-10.0.0.1"), "range start 10.0.0.99 is after end 10.0.0.1");
  EXPECT_EQ(bad("10.0.0.1-::1"), "range mixes IPv4 and IPv6");
  EXPECT_EQ(bad("10.0.0.1-foo"), "invalid range end 'foo'");
  // A hyphenated name is still a name.
  EXPECT_EQ(ok("web-01.example.com").kind, TargetKind::kName);
  EXPECT_EQ(*ok("web-01.example.com:8443").port, 8443);
}

TEST(TargetTest, NameAtAddress) {
  Target t = ok("Shop.Example.com@10.0.0.5:443");
  EXPECT_EQ(t.kind, TargetKind::kNameAtAddress);
  EXPECT_EQ(t.host, "shop.example.com");
  EXPECT_EQ(t.range.first.to_string(), "10.0.0.5");
  EXPECT_EQ(t.range.size(), 1u);
  ASSERT_TRUE(t.port);
  EXPECT_EQ(*t.port, 443);

  Target no_port = ok("shop.example.com@10.0.0.5");
  EXPECT_EQ(no_port.kind, TargetKind::kNameAtAddress);
  EXPECT_FALSE(no_port.port);

  Target v6 = ok("shop.example.com@[2001:db8::5]:8443");
  EXPECT_EQ(v6.range.first.to_string(), "2001:db8::5");
  EXPECT_EQ(*v6.port, 8443);

  Target bare_v6 = ok("shop.example.com@2001:db8::5");
  EXPECT_EQ(bare_v6.range.first.to_string(), "2001:db8::5");
  EXPECT_FALSE(bare_v6.port);
}

TEST(TargetTest, BadNameAtAddress) {
  EXPECT_EQ(bad("a@"), "missing address after '@'");
  EXPECT_EQ(bad("@10.0.0.5"), "missing name before '@'");
  EXPECT_EQ(bad("a@b@10.0.0.5"), "more than one '@'");
  EXPECT_EQ(bad("shop.example.com@backend.internal"),
            "'backend.internal' after '@' is not an IP address");
  EXPECT_EQ(bad("10.0.0.1@10.0.0.5"), "the name before '@' must be a hostname, not '10.0.0.1'");
  EXPECT_EQ(bad("shop..example@10.0.0.5"), "invalid hostname 'shop..example': empty label");
  EXPECT_EQ(bad("shop.example.com@10.0.0.5:0"), "port 0 out of range");
  EXPECT_EQ(bad("shop.example.com@10.0.0.0/24"),
            "invalid hostname '10.0.0.0/24': bad character '/'");
  EXPECT_EQ(bad("shop.example.com@[::1"), "missing ']' in '[::1'");
}

TEST(TargetTest, Urls) {
  Target t = ok("https://Example.com:8443/path?q=1#frag");
  EXPECT_EQ(t.kind, TargetKind::kName);
  EXPECT_EQ(t.host, "example.com");
  ASSERT_TRUE(t.port);
  EXPECT_EQ(*t.port, 8443);
  EXPECT_EQ(t.text, "https://Example.com:8443/path?q=1#frag");

  // The scheme does not pick a port; --ports does.
  Target no_port = ok("https://example.com/");
  EXPECT_EQ(no_port.host, "example.com");
  EXPECT_FALSE(no_port.port);
  EXPECT_EQ(ok("https://example.com").host, "example.com");
  EXPECT_EQ(ok("ldaps://ldap.example.com:636").port, 636);
  EXPECT_EQ(ok("https://example.com?x=@y").host, "example.com");
  EXPECT_EQ(ok("https://example.com#a@b").host, "example.com");

  Target v4 = ok("https://10.0.0.5:8443/x");
  EXPECT_EQ(v4.kind, TargetKind::kAddress);
  EXPECT_EQ(v4.range.first.to_string(), "10.0.0.5");

  Target v6 = ok("https://[2001:db8::5]:8443/");
  EXPECT_EQ(v6.kind, TargetKind::kAddress);
  EXPECT_EQ(v6.range.first.to_string(), "2001:db8::5");
  EXPECT_EQ(*v6.port, 8443);

  // In a URL "/24" is a path, not a prefix.
  EXPECT_EQ(ok("https://10.0.0.0/24").kind, TargetKind::kAddress);
}

TEST(TargetTest, BadUrls) {
  EXPECT_EQ(bad("https://user:pw@example.com/"), "credentials in URL are not supported");
  EXPECT_EQ(bad("https:///path"), "URL has no host: 'https:///path'");
  EXPECT_EQ(bad("https://"), "URL has no host: 'https://'");
  EXPECT_EQ(bad("://example.com"), "invalid URL scheme ''");
  EXPECT_EQ(bad("1http://example.com"), "invalid URL scheme '1http'");
  EXPECT_EQ(bad("https://example.com:/"), "empty port");
  EXPECT_EQ(bad("https://example.com:99999/"), "port 99999 out of range");
  EXPECT_EQ(bad("https://a..b/"), "invalid hostname 'a..b': empty label");
  EXPECT_EQ(bad("https://[::1/"), "missing ']' in '[::1'");
}

// parse_target reads "name" and "name:port" on a path of its own; these are the edges where
// that path must hand over to the general parser or agree with it.
TEST(TargetTest, PlainNameEdges) {
  Target t = ok("Example.COM.:8443");
  EXPECT_EQ(t.kind, TargetKind::kName);
  EXPECT_EQ(t.host, "example.com");
  EXPECT_EQ(t.text, "Example.COM.:8443");
  ASSERT_TRUE(t.port);
  EXPECT_EQ(*t.port, 8443);
  EXPECT_EQ(*ok("a.example:08443").port, 8443);  // parse_port reads leading zeros
  EXPECT_EQ(ok("_x.Example").host, "_x.example");
  EXPECT_EQ(ok("A.B.C.D").host, "a.b.c.d");
  EXPECT_EQ(ok("1a-b.example").host, "1a-b.example");
  EXPECT_EQ(ok("0x1f.example").host, "0x1f.example");
  EXPECT_EQ(ok("a.0xg").host, "a.0xg");  // not hex after "0x": a name
  EXPECT_EQ(ok("a.b1").host, "a.b1");
  EXPECT_EQ(bad("a.1"), "invalid IPv4 address 'a.1'");
  EXPECT_EQ(bad("a.0X1F"), "invalid IPv4 address 'a.0X1F'");
  EXPECT_EQ(bad("a.1.:443"), "invalid IPv4 address 'a.1.'");
  EXPECT_EQ(bad("10.0.0.1-b.example"), "invalid range end 'b.example'");
  EXPECT_EQ(bad("a.example.."), "invalid hostname 'a.example..': empty label");
  EXPECT_EQ(bad("a-.b:1"), "invalid hostname 'a-.b': label starts or ends with '-'");
  EXPECT_EQ(bad("a.example:"), "empty port");
  EXPECT_EQ(bad("a.example:0"), "port 0 out of range");
  EXPECT_EQ(bad("a.example:123456"), "port 123456 out of range");
  EXPECT_EQ(bad("a.example:000443"), "port 000443 out of range");  // six digits, however small
  EXPECT_EQ(bad("a:b:c"), "invalid IPv6 address 'a:b:c'");
  EXPECT_EQ(bad("a.exa\x80mple"),
            "invalid byte 0x80 at position 6 (international names must be given in their xn-- "
            "form)");

  std::string label63(63, 'a');
  // 253 characters, then 254 with a trailing dot (kept in text, not in host), and a port.
  std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'B');
  Target at_limit = ok(longest + ".:443");
  EXPECT_EQ(at_limit.host, label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b'));
  EXPECT_EQ(*at_limit.port, 443);
  EXPECT_NE(bad(longest + "b:443").find("longer than 253"), std::string::npos);
  EXPECT_NE(bad(longest + "b.").find("longer than 253"), std::string::npos);
  EXPECT_NE(bad(label63 + "a:443").find("label longer than 63"), std::string::npos);
}

// A URL's host goes through the general parser only, so for text of name bytes, dots, one
// colon and digits, "https://" + text must come out as text does: same name and port, or
// the same refusal. Seeded, so a failure repeats.
TEST(TargetTest, PlainNamesAgreeWithTheGeneralParser) {
  constexpr char kBytes[] = "aZ09-_..";
  uint64_t state = 0x9e3779b97f4a7c15u;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return (state >> 33) % bound;
  };
  int names = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const uint64_t length = next(8) == 0 ? 50 + next(220) : 1 + next(12);
    for (uint64_t i = 0; i < length; ++i) text += kBytes[next(sizeof kBytes - 1)];
    if (next(3) == 0) text += ":" + std::string(next(3), '0') + std::to_string(next(70000));
    // A leading digit and a dash may make a range, which URLs do not have.
    if (text[0] >= '0' && text[0] <= '9' && text.find('-') != std::string::npos) continue;
    auto direct = parse_target(text);
    auto via_url = parse_target("https://" + text);
    ASSERT_EQ(direct.index(), via_url.index()) << text;
    if (auto* error = std::get_if<std::string>(&direct)) {
      EXPECT_EQ(*error, std::get<std::string>(via_url)) << text;
      continue;
    }
    ++names;
    const Target& a = std::get<Target>(direct);
    const Target& b = std::get<Target>(via_url);
    EXPECT_EQ(a.kind, TargetKind::kName) << text;
    EXPECT_EQ(a.host, b.host) << text;
    EXPECT_EQ(a.port, b.port) << text;
    EXPECT_EQ(a.text, text);
  }
  EXPECT_GT(names, 2000);  // the generator makes enough valid names to mean something
}

}  // namespace
}  // namespace tlsfleet::net
