#include "tls/server_hello.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "tls/first_bytes.h"
#include "tls/iana_registry.h"

namespace tlsfleet::tls {

namespace {

constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kAlertRecord = 21;
constexpr uint8_t kHandshakeRecord = 22;

constexpr uint8_t kHelloRequest = 0;
constexpr uint8_t kServerHelloMessage = 2;
constexpr uint8_t kCertificate = 11;
constexpr uint8_t kServerKeyExchange = 12;
constexpr uint8_t kCertificateRequest = 13;
constexpr uint8_t kServerHelloDone = 14;
constexpr uint8_t kCertificateStatus = 22;

constexpr uint8_t kSslv2Error = 0;
constexpr uint8_t kSslv2ServerHelloMessage = 4;

constexpr uint8_t kWarning = 1;
constexpr uint8_t kUnrecognizedName = 112;

// TLSCiphertext may carry 2^14 + 2048 bytes; a plaintext record longer than that is not
// TLS, whatever its header says.
constexpr size_t kMaxRecord = 16384 + 2048;

// SHA-256("HelloRetryRequest"), the random of every HelloRetryRequest (RFC 8446 4.1.3).
constexpr uint8_t kHelloRetryRandom[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// Bounds-checked big-endian reads over one message; every read says whether it fit.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool u8(uint8_t& v) {
    if (b_.empty()) return false;
    v = static_cast<uint8_t>(b_[0]);
    b_.remove_prefix(1);
    return true;
  }
  bool u16(uint16_t& v) {
    uint32_t x;
    if (!uint(2, x)) return false;
    v = static_cast<uint16_t>(x);
    return true;
  }
  bool u24(uint32_t& v) { return uint(3, v); }
  bool bytes(size_t n, std::string_view& out) {
    if (b_.size() < n) return false;
    out = b_.substr(0, n);
    b_.remove_prefix(n);
    return true;
  }
  // A vector with a width-byte length prefix.
  bool vec(int width, std::string_view& out) {
    uint32_t n;
    return uint(width, n) && bytes(n, out);
  }
  size_t left() const { return b_.size(); }

 private:
  bool uint(int width, uint32_t& v) {
    if (b_.size() < static_cast<size_t>(width)) return false;
    v = 0;
    for (int i = 0; i < width; ++i) v = (v << 8) | static_cast<uint8_t>(b_[i]);
    b_.remove_prefix(static_cast<size_t>(width));
    return true;
  }
  std::string_view b_;
};

uint8_t byte_at(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

std::string hex16(uint16_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) s += kDigits[(v >> shift) & 0xf];
  return s;
}

std::string version_text(uint16_t v) {
  if (auto name = protocol_version_name(v)) return std::string(*name);
  return hex16(v);
}

std::string suite_text(uint16_t code) {
  if (auto name = cipher_suite_name(code)) return std::string(*name);
  return hex16(code);
}

size_t significant_bits(std::string_view big_endian) {
  size_t i = 0;
  while (i < big_endian.size() && big_endian[i] == 0) ++i;
  if (i == big_endian.size()) return 0;
  size_t bits = 8 * (big_endian.size() - i);
  for (uint8_t top = byte_at(big_endian, i); (top & 0x80) == 0; top <<= 1) --bits;
  return bits;
}

// The RFC 7919 primes, from OpenSSL's named DH groups (a table lookup, no generation).
std::string load_ffdhe_prime(uint16_t group) {
  static constexpr const char* kNames[] = {"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144",
                                           "ffdhe8192"};
  std::string prime;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  EVP_PKEY* params = nullptr;
  BIGNUM* p = nullptr;
  OSSL_PARAM request[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                       const_cast<char*>(kNames[group - 256]), 0),
      OSSL_PARAM_construct_end()};
  if (ctx && EVP_PKEY_paramgen_init(ctx) > 0 && EVP_PKEY_CTX_set_params(ctx, request) > 0 &&
      EVP_PKEY_paramgen(ctx, &params) > 0 &&
      EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) > 0) {
    prime.resize(static_cast<size_t>(BN_num_bytes(p)));
    BN_bn2bin(p, reinterpret_cast<unsigned char*>(prime.data()));
  }
  BN_free(p);
  EVP_PKEY_free(params);
  EVP_PKEY_CTX_free(ctx);
  return prime;
}

}  // namespace

const std::string& ffdhe_prime(uint16_t group) {
  static const std::array<std::string, 5> primes = [] {
    std::array<std::string, 5> all;
    for (uint16_t g = 256; g <= 260; ++g) all[g - 256] = load_ffdhe_prime(g);
    return all;
  }();
  static const std::string none;
  return group >= 256 && group <= 260 ? primes[group - 256] : none;
}

std::optional<uint16_t> ffdhe_group_of_prime(std::string_view p) {
  while (!p.empty() && p.front() == '\0') p.remove_prefix(1);
  for (uint16_t g = 256; g <= 260; ++g) {
    const std::string& prime = ffdhe_prime(g);
    if (!prime.empty() && p == prime) return g;
  }
  return std::nullopt;
}

bool ServerHello::has_extension(uint16_t type) const {
  return std::find(extensions.begin(), extensions.end(), type) != extensions.end();
}

ServerReplyParser::ServerReplyParser(ParserOptions options) : options_(options) {}

ReplyKind ServerReplyParser::conclude(ReplyKind kind, std::string detail) {
  reply_.kind = kind;
  reply_.detail = std::move(detail);
  in_.clear();
  handshake_.clear();
  return kind;
}

ReplyKind ServerReplyParser::feed(std::string_view bytes) {
  if (done()) return reply_.kind;
  bytes_fed_ += bytes.size();
  in_.append(bytes);
  if (framing_ == Framing::kUnknown && !classify_start(false)) return reply_.kind;
  if (framing_ == Framing::kSslv2) {
    parse_sslv2();
  } else {
    parse_records();
  }
  return reply_.kind;
}

ReplyKind ServerReplyParser::finish() {
  if (done()) return reply_.kind;
  if (framing_ == Framing::kUnknown && !in_.empty()) classify_start(true);
  if (done()) return reply_.kind;
  if (have_hello_) {
    return conclude(ReplyKind::kServerHello,
                    "ServerHello read; the server closed before the end of its first flight");
  }
  return conclude(ReplyKind::kTruncated,
                  in_.empty() && handshake_.empty() && bytes_fed_ == 0
                      ? "the server closed the connection without answering"
                      : "the server closed the connection in the middle of its reply");
}

// Decides TLS, SSLv2 or neither from the first five bytes (fewer at EOF). Returns true
// when parsing may go on.
bool ServerReplyParser::classify_start(bool at_eof) {
  if (in_.size() < kFirstBytesWanted && !at_eof) return false;
  const std::string_view prefix = std::string_view(in_).substr(0, kFirstBytesWanted);
  if (auto failure = classify_first_bytes(prefix)) {
    conclude(failure->kind == FailureKind::kPlaintextHttp ? ReplyKind::kPlaintextHttp
                                                          : ReplyKind::kNotTls,
             failure->detail);
    return false;
  }
  framing_ = (byte_at(in_, 0) & 0x80) ? Framing::kSslv2 : Framing::kTls;
  return !at_eof;
}

void ServerReplyParser::parse_sslv2() {
  if (in_.size() < 2) return;
  const size_t length = ((byte_at(in_, 0) & 0x7fu) << 8) | byte_at(in_, 1);
  if (length == 0) {
    error("an SSLv2 record of length 0");
    return;
  }
  if (in_.size() < 2 + length) return;
  Reader r(std::string_view(in_).substr(2, length));
  uint8_t type = 0;
  r.u8(type);
  if (type == kSslv2Error) {
    uint16_t code = 0;
    if (!r.u16(code)) {
      error("a truncated SSLv2 ERROR message");
      return;
    }
    reply_.sslv2_error = code;
    conclude(ReplyKind::kSslv2Error, "the server sent SSLv2 ERROR " + hex16(code));
    return;
  }
  if (type != kSslv2ServerHelloMessage) {
    error("an SSLv2 record holding message type " + std::to_string(type) + ", not SERVER-HELLO");
    return;
  }
  Sslv2ServerHello hello;
  uint8_t hit = 0;
  uint16_t cert_len = 0, specs_len = 0, conn_len = 0;
  std::string_view cert, specs, conn;
  if (!r.u8(hit) || !r.u8(hello.certificate_type) || !r.u16(hello.version) || !r.u16(cert_len) ||
      !r.u16(specs_len) || !r.u16(conn_len) || !r.bytes(cert_len, cert) ||
      !r.bytes(specs_len, specs) || !r.bytes(conn_len, conn) || specs_len % 3 != 0) {
    error("a malformed SSLv2 SERVER-HELLO");
    return;
  }
  hello.session_id_hit = hit != 0;
  hello.certificate_length = cert_len;
  hello.connection_id_length = conn_len;
  for (size_t i = 0; i < specs.size(); i += 3) {
    hello.cipher_specs.push_back(static_cast<uint32_t>(byte_at(specs, i)) << 16 |
                                 static_cast<uint32_t>(byte_at(specs, i + 1)) << 8 |
                                 byte_at(specs, i + 2));
  }
  const size_t count = hello.cipher_specs.size();
  reply_.sslv2 = std::move(hello);
  conclude(ReplyKind::kSslv2ServerHello,
           "SSLv2 SERVER-HELLO with " + std::to_string(count) + " cipher specs");
}

void ServerReplyParser::parse_records() {
  size_t pos = 0;
  while (!done() && in_.size() - pos >= 5) {
    const std::string_view header = std::string_view(in_).substr(pos, 5);
    const uint8_t type = byte_at(header, 0);
    const size_t length = (static_cast<size_t>(byte_at(header, 3)) << 8) | byte_at(header, 4);
    if (type < kChangeCipherSpec || type > 24 || byte_at(header, 1) != 3) {
      error("a record that is not TLS (type " + std::to_string(type) + ", version " +
            hex16(static_cast<uint16_t>(byte_at(header, 1) << 8 | byte_at(header, 2))) + ")");
      return;
    }
    if (length > kMaxRecord) {
      error("a record of " + std::to_string(length) + " bytes, over the TLS limit");
      return;
    }
    if (in_.size() - pos < 5 + length) break;
    // The payload is copied out: handlers may conclude, which clears in_.
    const std::string payload = in_.substr(pos + 5, length);
    pos += 5 + length;
    handle_record(type, payload);
  }
  if (!done()) in_.erase(0, pos);
}

void ServerReplyParser::handle_record(uint8_t type, std::string_view payload) {
  if (type == kHandshakeRecord) return handle_handshake(payload);
  if (type == kAlertRecord) return handle_alert(payload);
  if (have_hello_) {
    // The flight after a ServerHello went somewhere we do not follow (a resumed session's
    // ChangeCipherSpec, encrypted data): the ServerHello stands.
    conclude(ReplyKind::kServerHello, "ServerHello read; the rest of the flight was not");
    return;
  }
  error("a " + std::string(type == kChangeCipherSpec ? "ChangeCipherSpec" : "non-handshake") +
        " record (type " + std::to_string(type) + ") before any ServerHello");
}

void ServerReplyParser::handle_alert(std::string_view payload) {
  alert_.append(payload);
  while (!done() && alert_.size() >= 2) {
    const Alert alert{byte_at(alert_, 0), byte_at(alert_, 1)};
    alert_.erase(0, 2);
    if (have_hello_) {
      reply_.alert = alert;
      conclude(ReplyKind::kServerHello, "ServerHello read; an alert cut the flight short");
      return;
    }
    // unrecognized_name as a warning is how some servers say "no such name, carrying on".
    if (alert.level == kWarning && alert.description == kUnrecognizedName) {
      reply_.warnings.push_back(alert);
      continue;
    }
    reply_.alert = alert;
    conclude(ReplyKind::kAlert, std::string(alert.level == kWarning ? "a warning" : "a fatal") +
                                    " alert " + std::to_string(alert.description) +
                                    " instead of a ServerHello");
  }
}

void ServerReplyParser::handle_handshake(std::string_view payload) {
  handshake_.append(payload);
  while (!done()) {
    if (skip_ > 0) {
      const size_t n = std::min(skip_, handshake_.size());
      handshake_.erase(0, n);
      skip_ -= n;
      if (skip_ > 0) return;
    }
    if (handshake_.size() < 4) return;
    const uint8_t type = byte_at(handshake_, 0);
    const size_t length = static_cast<size_t>(byte_at(handshake_, 1)) << 16 |
                          static_cast<size_t>(byte_at(handshake_, 2)) << 8 | byte_at(handshake_, 3);
    if (!have_hello_) {
      if (type == kHelloRequest && length == 0) {
        handshake_.erase(0, 4);
        continue;
      }
      if (type != kServerHelloMessage) {
        error("handshake message " + std::to_string(type) + " where a ServerHello belongs");
        return;
      }
    } else if (type == kCertificate || type == kCertificateStatus || type == kCertificateRequest) {
      // Not needed: skipped as it streams by, whatever its size.
      if (type == kCertificate) reply_.first_flight->certificate_bytes = length;
      if (type == kCertificateStatus) reply_.first_flight->certificate_status = true;
      handshake_.erase(0, 4);
      skip_ = length;
      continue;
    }
    if (length > options_.max_message) {
      const std::string what = "a handshake message announcing " + std::to_string(length) +
                               " bytes (over the " + std::to_string(options_.max_message) +
                               "-byte cap)";
      if (have_hello_) {
        conclude(ReplyKind::kServerHello, "ServerHello read; then " + what);
      } else {
        error(what);
      }
      return;
    }
    if (handshake_.size() < 4 + length) return;
    const std::string body = handshake_.substr(4, length);
    handshake_.erase(0, 4 + length);
    handle_message(type, body);
  }
}

void ServerReplyParser::handle_message(uint8_t type, std::string_view body) {
  if (!have_hello_) return parse_server_hello(body);
  FirstFlight& flight = *reply_.first_flight;
  if (type == kServerKeyExchange) {
    parse_server_key_exchange(body);
    return;
  }
  if (type == kServerHelloDone) {
    flight.complete = true;
    conclude(ReplyKind::kServerHello, "ServerHello and its first flight read");
    return;
  }
  conclude(ReplyKind::kServerHello,
           "ServerHello read; then handshake message " + std::to_string(type) + ", not followed");
}

void ServerReplyParser::parse_server_hello(std::string_view body) {
  Reader r(body);
  ServerHello hello;
  std::string_view random, session_id;
  if (!r.u16(hello.legacy_version) || !r.bytes(32, random) || !r.vec(1, session_id) ||
      !r.u16(hello.cipher_suite) || !r.u8(hello.compression)) {
    error("a truncated ServerHello");
    return;
  }
  if ((hello.legacy_version >> 8) != 3) {
    error("a ServerHello with version " + hex16(hello.legacy_version));
    return;
  }
  if (session_id.size() > 32) {
    error("a ServerHello with a session id of " + std::to_string(session_id.size()) + " bytes");
    return;
  }
  std::memcpy(hello.random.data(), random.data(), 32);
  hello.session_id = std::string(session_id);
  const bool retry = std::memcmp(hello.random.data(), kHelloRetryRandom, 32) == 0;
  if (std::memcmp(hello.random.data() + 24, "DOWNGRD", 7) == 0) {
    if (hello.random[31] == 1) hello.downgrade = DowngradeSentinel::kTls12;
    if (hello.random[31] == 0) hello.downgrade = DowngradeSentinel::kTls11OrBelow;
  }
  // SSLv3 and early TLS ServerHellos end here; otherwise an extension block follows.
  if (r.left() > 0) {
    std::string_view block;
    if (!r.vec(2, block) || r.left() != 0) {
      error("a ServerHello whose extension block does not add up");
      return;
    }
    Reader ext(block);
    while (ext.left() > 0) {
      uint16_t type = 0;
      std::string_view data;
      if (!ext.u16(type) || !ext.vec(2, data)) {
        error("a ServerHello with a truncated extension");
        return;
      }
      if (hello.has_extension(type)) {
        error("a ServerHello repeating extension " + std::to_string(type));
        return;
      }
      hello.extensions.push_back(type);
      Reader d(data);
      bool ok = true;
      if (type == 43) {  // supported_versions
        uint16_t v = 0;
        ok = d.u16(v) && d.left() == 0;
        hello.selected_version = v;
      } else if (type == 51) {  // key_share: a group (HRR) or a KeyShareEntry
        uint16_t group = 0;
        std::string_view key;
        ok = d.u16(group) && (retry || (d.vec(2, key) && !key.empty())) && d.left() == 0;
        hello.key_share_group = group;
      } else if (type == 16) {  // ALPN: exactly one protocol
        std::string_view list, name;
        ok = d.vec(2, list) && d.left() == 0;
        Reader l(list);
        ok = ok && l.vec(1, name) && !name.empty() && l.left() == 0;
        if (ok) hello.alpn = std::string(name);
      }
      if (!ok) {
        error("a ServerHello with a malformed extension " + std::to_string(type));
        return;
      }
    }
  }
  hello.version = hello.selected_version.value_or(hello.legacy_version);
  const std::string summary = version_text(hello.version) + ", " + suite_text(hello.cipher_suite);
  const bool tls13 = hello.selected_version.has_value() && hello.version >= kTls13;
  reply_.hello = std::move(hello);
  have_hello_ = true;
  if (retry) {
    conclude(ReplyKind::kHelloRetryRequest, "HelloRetryRequest: " + summary);
  } else if (tls13 || !options_.read_first_flight) {
    conclude(ReplyKind::kServerHello, "ServerHello: " + summary);
  } else {
    reply_.first_flight.emplace();
  }
}

void ServerReplyParser::parse_server_key_exchange(std::string_view body) {
  FirstFlight& flight = *reply_.first_flight;
  flight.server_key_exchange = true;
  const CipherSuiteInfo* suite = find_cipher_suite(reply_.hello->cipher_suite);
  const KeyExchange kx = suite ? suite->key_exchange : KeyExchange::kNone;
  Reader r(body);
  std::string_view hint;
  bool ok = true;
  if (kx == KeyExchange::kDhePsk || kx == KeyExchange::kEcdhePsk) ok = r.vec(2, hint);
  if (kx == KeyExchange::kEcdhe || kx == KeyExchange::kEcdhAnon || kx == KeyExchange::kEcdhePsk) {
    uint8_t curve_type = 0;
    uint16_t curve = 0;
    ok = ok && r.u8(curve_type);
    if (ok && curve_type == 3) {  // named_curve
      ok = r.u16(curve);
      if (ok) flight.named_curve = curve;
    } else if (ok && (curve_type == 1 || curve_type == 2)) {  // explicit prime / char2
      flight.named_curve = static_cast<uint16_t>(0xFF00 | curve_type);
    } else {
      ok = false;
    }
  } else if (kx == KeyExchange::kDhe || kx == KeyExchange::kDhAnon || kx == KeyExchange::kDhePsk) {
    std::string_view prime;
    ok = ok && r.vec(2, prime) && !prime.empty();
    if (ok) {
      flight.dh_prime_bits = significant_bits(prime);
      flight.dh_group = ffdhe_group_of_prime(prime);
    }
  }
  flight.complete = ok;
  conclude(ReplyKind::kServerHello, ok ? "ServerHello and ServerKeyExchange read"
                                       : "ServerHello read; its ServerKeyExchange is malformed");
}

}  // namespace tlsfleet::tls
