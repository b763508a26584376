#include "tls/client_hello.h"

#include <openssl/rand.h>

#include <algorithm>
#include <string_view>

namespace tlsfleet::tls {

namespace {

// Extension code points (IANA "TLS ExtensionType Values").
constexpr uint16_t kExtServerName = 0;
constexpr uint16_t kExtStatusRequest = 5;
constexpr uint16_t kExtSupportedGroups = 10;
constexpr uint16_t kExtEcPointFormats = 11;
constexpr uint16_t kExtSignatureAlgorithms = 13;
constexpr uint16_t kExtAlpn = 16;
constexpr uint16_t kExtPadding = 21;
constexpr uint16_t kExtExtendedMasterSecret = 23;
constexpr uint16_t kExtSessionTicket = 35;
constexpr uint16_t kExtSupportedVersions = 43;
constexpr uint16_t kExtPskKeyExchangeModes = 45;
constexpr uint16_t kExtKeyShare = 51;
constexpr uint16_t kExtRenegotiationInfo = 0xff01;

constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHello = 1;

// Appends big-endian integers and length-prefixed blocks; a block whose content outgrows
// its length prefix marks the writer failed instead of wrapping around.
class Writer {
 public:
  void u8(unsigned v) { out_.push_back(static_cast<char>(v & 0xff)); }
  void u16(unsigned v) {
    u8(v >> 8);
    u8(v);
  }
  void u24(unsigned v) {
    u8(v >> 16);
    u16(v);
  }
  void bytes(std::string_view b) { out_.append(b); }
  // Opens a block with a width-byte length prefix; returns its start for close().
  size_t open(int width) {
    const size_t at = out_.size();
    out_.append(static_cast<size_t>(width), '\0');
    return at;
  }
  void close(size_t at, int width) {
    const size_t len = out_.size() - at - static_cast<size_t>(width);
    if (len >= (size_t{1} << (8 * width))) ok_ = false;
    for (int i = 0; i < width; ++i) {
      out_[at + i] = static_cast<char>((len >> (8 * (width - 1 - i))) & 0xff);
    }
  }
  bool ok() const { return ok_; }
  size_t size() const { return out_.size(); }
  std::string& str() { return out_; }

 private:
  std::string out_;
  bool ok_ = true;
};

std::string random_bytes(size_t n) {
  std::string b(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(n)) != 1) {
    // RAND_bytes fails only without an entropy source; a probe still needs bytes, and
    // nothing secret depends on them.
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>((i * 131 + 7) & 0xff);
  }
  return b;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

// The base points of the NIST curves (SEC 2), uncompressed: a public key whose private
// key is 1, valid for every check a server makes.
constexpr std::string_view kP256Generator =
    "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
    "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5";
constexpr std::string_view kP384Generator =
    "04AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E"
    "3872760AB73617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E"
    "819D7A431D7C90EA0E5F";
constexpr std::string_view kP521Generator =
    "0400C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE"
    "1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66011839296A789A3BC0045C8A5FB42C7D1BD998F544"
    "49579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650";

void put_u16_list(Writer& w, const std::vector<uint16_t>& values, int width) {
  const size_t at = w.open(width);
  for (uint16_t v : values) w.u16(v);
  w.close(at, width);
}

void put_extension(Writer& w, uint16_t type, std::string_view data) {
  w.u16(type);
  const size_t at = w.open(2);
  w.bytes(data);
  w.close(at, 2);
}

bool offers_tls13(const ClientHelloSpec& spec) {
  return std::find(spec.supported_versions.begin(), spec.supported_versions.end(), kTls13) !=
         spec.supported_versions.end();
}

// The extension block's content (without its own length), in an order that keeps an
// empty extension away from the end (some old servers fail on an empty last extension).
bool write_extensions(const ClientHelloSpec& spec, Writer& w) {
  if (spec.sni && !spec.sni->empty()) {
    Writer d;
    const size_t list = d.open(2);
    d.u8(0);  // host_name
    const size_t name = d.open(2);
    d.bytes(*spec.sni);
    d.close(name, 2);
    d.close(list, 2);
    if (!d.ok()) return false;
    put_extension(w, kExtServerName, d.str());
  }
  if (!spec.supported_groups.empty()) {
    if (spec.ec_point_formats) put_extension(w, kExtEcPointFormats, std::string("\x01\x00", 2));
    Writer d;
    put_u16_list(d, spec.supported_groups, 2);
    if (!d.ok()) return false;
    put_extension(w, kExtSupportedGroups, d.str());
  }
  if (spec.session_ticket) put_extension(w, kExtSessionTicket, "");
  if (!spec.alpn.empty()) {
    Writer d;
    const size_t list = d.open(2);
    for (const std::string& protocol : spec.alpn) {
      if (protocol.empty() || protocol.size() > 255) return false;
      d.u8(static_cast<unsigned>(protocol.size()));
      d.bytes(protocol);
    }
    d.close(list, 2);
    if (!d.ok()) return false;
    put_extension(w, kExtAlpn, d.str());
  }
  // status_type ocsp (1), no responder ids, no request extensions.
  if (spec.status_request) {
    put_extension(w, kExtStatusRequest, std::string("\x01\x00\x00\x00\x00", 5));
  }
  if (spec.extended_master_secret) put_extension(w, kExtExtendedMasterSecret, "");
  if (spec.renegotiation_info) put_extension(w, kExtRenegotiationInfo, std::string(1, '\0'));
  if (!spec.signature_algorithms.empty()) {
    Writer d;
    put_u16_list(d, spec.signature_algorithms, 2);
    if (!d.ok()) return false;
    put_extension(w, kExtSignatureAlgorithms, d.str());
  }
  if (!spec.supported_versions.empty()) {
    Writer d;
    put_u16_list(d, spec.supported_versions, 1);
    if (!d.ok()) return false;
    put_extension(w, kExtSupportedVersions, d.str());
  }
  if (spec.psk_key_exchange_modes) put_extension(w, kExtPskKeyExchangeModes, "\x01\x01");
  if (spec.key_shares) {
    Writer d;
    const size_t list = d.open(2);
    for (const KeyShareEntry& share : *spec.key_shares) {
      d.u16(share.group);
      const size_t key = d.open(2);
      d.bytes(share.key_exchange);
      d.close(key, 2);
    }
    d.close(list, 2);
    if (!d.ok()) return false;
    put_extension(w, kExtKeyShare, d.str());
  }
  return w.ok();
}

}  // namespace

std::optional<KeyShareEntry> placeholder_key_share(uint16_t group) {
  switch (group) {
    case 29:
      return KeyShareEntry{group, random_bytes(32)};  // x25519
    case 30:
      return KeyShareEntry{group, random_bytes(56)};  // x448
    case 23:
      return KeyShareEntry{group, from_hex(kP256Generator)};
    case 24:
      return KeyShareEntry{group, from_hex(kP384Generator)};
    case 25:
      return KeyShareEntry{group, from_hex(kP521Generator)};
    default:
      break;
  }
  // ffdhe2048..8192 (RFC 7919): the share is g^x mod p left-padded to the size of p; g = 2
  // itself (x = 1) is in the prime-order subgroup, so it passes the server's checks.
  static constexpr size_t kFfdheBytes[] = {256, 384, 512, 768, 1024};
  if (group >= 256 && group <= 260) {
    std::string share(kFfdheBytes[group - 256], '\0');
    share.back() = 2;
    return KeyShareEntry{group, std::move(share)};
  }
  return std::nullopt;
}

const std::vector<uint16_t>& broad_signature_algorithms() {
  static const std::vector<uint16_t> algorithms = {
      0x0807, 0x0808,          // ed25519, ed448
      0x0403, 0x0503, 0x0603,  // ecdsa_secp256r1_sha256 .. secp521r1_sha512
      0x0804, 0x0805, 0x0806,  // rsa_pss_rsae_sha256..512
      0x0809, 0x080a, 0x080b,  // rsa_pss_pss_sha256..512
      0x081a, 0x081b, 0x081c,  // ecdsa_brainpool*tls13
      0x0401, 0x0501, 0x0601,  // rsa_pkcs1_sha256..512
      0x0402, 0x0502, 0x0602,  // dsa_sha256..512
      0x0303, 0x0301, 0x0302,  // ecdsa, rsa, dsa with SHA-224
      0x0203, 0x0201, 0x0202,  // ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
  };
  return algorithms;
}

std::string build_client_hello(const ClientHelloSpec& spec) {
  const size_t suite_count = spec.cipher_suites.size() + (spec.renegotiation_scsv ? 1 : 0);
  if (suite_count == 0 || suite_count > 32767) return {};
  std::string session_id;
  if (spec.session_id) {
    session_id = *spec.session_id;
  } else if (offers_tls13(spec)) {
    session_id = random_bytes(32);
  }
  if (session_id.size() > 32) return {};

  Writer body;
  body.u16(std::min<uint16_t>(spec.version, kTls12));
  if (spec.random) {
    body.bytes(std::string_view(reinterpret_cast<const char*>(spec.random->data()), 32));
  } else {
    body.bytes(random_bytes(32));
  }
  body.u8(static_cast<unsigned>(session_id.size()));
  body.bytes(session_id);
  const size_t suites = body.open(2);
  for (uint16_t suite : spec.cipher_suites) body.u16(suite);
  if (spec.renegotiation_scsv) body.u16(kEmptyRenegotiationInfoScsv);
  body.close(suites, 2);
  body.u8(1);  // one compression method: null
  body.u8(0);

  if (!spec.no_extensions) {
    Writer extensions;
    if (!write_extensions(spec, extensions)) return {};
    // Handshake header (4) + body + extensions length (2) + extensions.
    const size_t message = 4 + body.size() + 2 + extensions.size();
    if (spec.padding && message >= 256 && message < 512) {
      // At least one byte: an empty last extension trips the same kind of old server.
      const size_t pad = message + 5 <= 512 ? 512 - message - 4 : 1;
      put_extension(extensions, kExtPadding, std::string(pad, '\0'));
    }
    const size_t block = body.open(2);
    body.bytes(extensions.str());
    body.close(block, 2);
  }
  if (!body.ok() || body.size() >= (size_t{1} << 24)) return {};

  std::string handshake;
  handshake.reserve(4 + body.size());
  handshake.push_back(static_cast<char>(kClientHello));
  Writer header;
  header.u24(static_cast<unsigned>(body.size()));
  handshake += header.str();
  handshake += body.str();

  // Record version 0x0301 keeps old servers that reject an unknown record version happy
  // (RFC 8446 5.1 allows it); an SSLv3 hello says 0x0300 all the way.
  const uint16_t record_version = spec.version == kSsl3 ? kSsl3 : kTls10;
  Writer records;
  for (size_t at = 0; at < handshake.size(); at += kMaxRecordPayload) {
    const size_t len = std::min(kMaxRecordPayload, handshake.size() - at);
    records.u8(kHandshakeRecord);
    records.u16(record_version);
    records.u16(static_cast<unsigned>(len));
    records.bytes(std::string_view(handshake).substr(at, len));
  }
  return std::move(records.str());
}

std::string build_sslv2_client_hello(uint16_t version, const std::vector<uint32_t>& cipher_specs,
                                     const std::optional<std::string>& challenge) {
  const std::string nonce = challenge ? *challenge : random_bytes(16);
  if (nonce.size() < 16 || nonce.size() > 32 || cipher_specs.empty()) return {};
  const size_t length = 9 + 3 * cipher_specs.size() + nonce.size();
  if (length > kMaxSslv2Record) return {};
  Writer w;
  w.u16(0x8000 | static_cast<unsigned>(length));  // two-byte header, no padding
  w.u8(1);                                        // MSG-CLIENT-HELLO
  w.u16(version);
  w.u16(static_cast<unsigned>(3 * cipher_specs.size()));
  w.u16(0);  // no session id
  w.u16(static_cast<unsigned>(nonce.size()));
  for (uint32_t spec : cipher_specs) w.u24(spec);
  w.bytes(nonce);
  return std::move(w.str());
}

std::vector<uint32_t> as_sslv2_specs(const std::vector<uint16_t>& suites) {
  return std::vector<uint32_t>(suites.begin(), suites.end());
}

namespace {

// Groups in the order a modern client prefers them, then every other one in code order.
std::vector<uint16_t> groups_for(bool tls13) {
  static constexpr uint16_t kFirst[] = {29,   23,  30,  24,  25,  4588, 4587,
                                        4589, 256, 257, 258, 259, 260};
  std::vector<uint16_t> groups;
  auto wanted = [tls13](const GroupInfo* g) {
    return g && (tls13 ? g->tls13 : g->tls12 && g->kind != GroupKind::kExplicit);
  };
  for (uint16_t code : kFirst) {
    if (wanted(find_group(code))) groups.push_back(code);
  }
  for (const GroupInfo& g : all_groups()) {
    if (wanted(&g) && std::find(groups.begin(), groups.end(), g.code) == groups.end()) {
      groups.push_back(g.code);
    }
  }
  return groups;
}

}  // namespace

ClientHelloSpec probe_spec(uint16_t version, const std::optional<std::string>& sni) {
  ClientHelloSpec spec;
  if (version <= kSsl3) {
    spec.version = kSsl3;
    spec.no_extensions = true;
    spec.renegotiation_scsv = true;
    return spec;
  }
  spec.sni = sni;
  spec.version = std::min(version, kTls12);
  spec.supported_groups = groups_for(version == kTls13);
  if (version < kTls12) spec.signature_algorithms.clear();
  if (version == kTls13) {
    spec.supported_versions = {kTls13};
    spec.key_shares.emplace();
    spec.psk_key_exchange_modes = true;
  }
  return spec;
}

}  // namespace tlsfleet::tls
