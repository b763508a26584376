#include "tls/client_session.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "tls/first_bytes.h"

namespace tlsfleet::tls {

namespace {

constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kApplicationData = 23;
constexpr uint8_t kServerHelloType = 2;
constexpr uint8_t kCertificateType = 11;
constexpr size_t kRecordHeader = 5;
constexpr size_t kMessageHeader = 4;
// The largest record a peer may send (TLS 1.2 ciphertext: 2^14 + 2048); larger means the
// stream is not TLS records, and OpenSSL gets it as it came to say so.
constexpr size_t kMaxRecordBody = 16384 + 2048;
// The largest clear-text record OpenSSL accepts.
constexpr size_t kMaxPlainRecord = 16384;
// The largest handshake message held back to be handed over whole (OpenSSL's own limit
// for a server's certificate list is 100 KiB).
constexpr size_t kMaxHeldMessage = 128 * 1024;

// SHA-256("HelloRetryRequest"), the random of every HelloRetryRequest (RFC 8446 4.1.3).
constexpr uint8_t kHelloRetryRandom[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

size_t be24(const unsigned char* p) {
  return (size_t{p[0]} << 16) | (size_t{p[1]} << 8) | size_t{p[2]};
}

// The first certificate of a Certificate handshake message (header included), or "" when
// it holds none or is malformed. TLS 1.3 puts a request context before the list.
std::string first_certificate(const unsigned char* msg, size_t len, bool tls13) {
  size_t at = kMessageHeader;
  if (tls13) {
    if (at + 1 > len) return {};
    at += 1 + msg[at];
  }
  if (at + 3 > len) return {};
  size_t list = be24(msg + at);
  at += 3;
  if (list < 3 || at + list > len) return {};
  size_t cert = be24(msg + at);
  at += 3;
  if (cert == 0 || cert > list - 3) return {};
  return std::string(reinterpret_cast<const char*>(msg + at), cert);
}

uint16_t be16(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

constexpr uint16_t kExtPreSharedKey = 41;
constexpr uint16_t kExtSupportedVersions = 43;
constexpr uint16_t kExtKeyShare = 51;

// The extensions of a hello message's body from `at` on (the 2-byte list length first):
// calls visit(type, data, length) for each; false when malformed.
template <typename Visit>
bool for_each_extension(const unsigned char* msg, size_t len, size_t at, Visit visit) {
  if (at + 2 > len) return false;
  size_t end = at + 2 + be16(msg + at);
  if (end != len) return false;
  at += 2;
  while (at + 4 <= end) {
    uint16_t type = be16(msg + at);
    size_t size = be16(msg + at + 2);
    at += 4;
    if (at + size > end) return false;
    visit(type, msg + at, size);
    at += size;
  }
  return at == end;
}

// The group of the (first) key share in our ClientHello's first record, or -1.
int client_key_share_group(const std::string& flight) {
  auto* p = reinterpret_cast<const unsigned char*>(flight.data());
  if (flight.size() < kRecordHeader + kMessageHeader || p[kRecordHeader] != 1) return -1;
  const unsigned char* msg = p + kRecordHeader;
  size_t len = kMessageHeader + be24(msg + 1);
  if (len > flight.size() - kRecordHeader) return -1;
  size_t at = kMessageHeader + 2 + 32;  // version, random
  if (at + 1 > len) return -1;
  at += 1 + msg[at];  // session ID
  if (at + 2 > len) return -1;
  at += 2 + be16(msg + at);  // cipher suites
  if (at + 1 > len) return -1;
  at += 1 + msg[at];  // compression methods
  int group = -1;
  bool ok =
      for_each_extension(msg, len, at, [&](uint16_t type, const unsigned char* data, size_t size) {
        if (type == kExtKeyShare && size >= 4) group = be16(data + 2);
      });
  return ok ? group : -1;
}

bool is_hello_retry(const std::string& message) {
  // type, length, legacy_version, random
  return message.size() >= kMessageHeader + 2 + 32 &&
         std::memcmp(message.data() + kMessageHeader + 2, kHelloRetryRandom, 32) == 0;
}

// HKDF-Expand-Label(secret, label, "", length) of RFC 8446 7.1. The KDF is fetched once
// (a fetch per call cost more than the derivation).
bool expand_label(const EVP_MD* md, std::vector<unsigned char>& secret, const char* label,
                  unsigned char* out, size_t length) {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) return false;
  std::string full = std::string("tls13 ") + label;
  std::vector<unsigned char> info = {static_cast<unsigned char>(length >> 8),
                                     static_cast<unsigned char>(length & 0xff),
                                     static_cast<unsigned char>(full.size())};
  info.insert(info.end(), full.begin(), full.end());
  info.push_back(0);  // empty context
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  std::string digest = EVP_MD_get0_name(md);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, secret.data(), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf),
                                                                &EVP_KDF_CTX_free);
  return ctx && EVP_KDF_derive(ctx.get(), out, length, params) == 1;
}

}  // namespace

// Reads the server's encrypted TLS 1.3 handshake records with the server handshake
// traffic secret (from the key log callback), to find the Certificate message without
// letting OpenSSL process it. Any trouble (a suite it cannot decrypt, a bad tag) makes it
// give up, and OpenSSL processes the records as usual.
class Tls13Peek {
 public:
  Tls13Peek(const SSL_CIPHER* suite, std::vector<unsigned char> secret) {
    struct Cleanse {
      std::vector<unsigned char>& bytes;
      ~Cleanse() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
    } cleanse{secret};
    const EVP_MD* md = SSL_CIPHER_get_handshake_digest(suite);
    aead_ = EVP_get_cipherbynid(SSL_CIPHER_get_cipher_nid(suite));
    if (!md || !aead_ || EVP_CIPHER_get_mode(aead_) == EVP_CIPH_CCM_MODE ||
        EVP_CIPHER_get_iv_length(aead_) != kIvLength) {
      return;
    }
    key_.resize(static_cast<size_t>(EVP_CIPHER_get_key_length(aead_)));
    usable_ = expand_label(md, secret, "key", key_.data(), key_.size()) &&
              expand_label(md, secret, "iv", iv_, kIvLength);
    ERR_clear_error();
  }

  // record: one whole encrypted record (header included), the next the server sent
  // after its ServerHello. Returns true, with the leaf's DER in *leaf, once the
  // Certificate message is complete; false to let OpenSSL have the record.
  bool certificate(const unsigned char* record, size_t len, std::string& leaf) {
    if (!usable_) return false;
    std::string plain;
    if (!decrypt(record, len, plain)) {
      usable_ = false;
      return false;
    }
    ++sequence_;
    // TLSInnerPlaintext: content, content type, zero padding.
    size_t end = plain.size();
    while (end > 0 && plain[end - 1] == 0) --end;
    if (end == 0 || static_cast<uint8_t>(plain[end - 1]) != kHandshake) return false;
    handshake_.append(plain, 0, end - 1);
    while (handshake_.size() >= kMessageHeader) {
      auto* msg = reinterpret_cast<const unsigned char*>(handshake_.data());
      size_t size = kMessageHeader + be24(msg + 1);
      if (handshake_.size() < size) return false;
      if (msg[0] == kCertificateType) {
        leaf = first_certificate(msg, size, true);
        return !leaf.empty();
      }
      handshake_.erase(0, size);
    }
    return false;
  }

 private:
  static constexpr int kIvLength = 12;
  static constexpr size_t kTagLength = 16;

  bool decrypt(const unsigned char* record, size_t len, std::string& plain) {
    if (len < kRecordHeader + kTagLength) return false;
    unsigned char nonce[kIvLength];
    std::memcpy(nonce, iv_, kIvLength);
    for (int i = 0; i < 8; ++i) {
      nonce[kIvLength - 1 - i] ^= static_cast<unsigned char>(sequence_ >> (8 * i));
    }
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                        &EVP_CIPHER_CTX_free);
    const unsigned char* body = record + kRecordHeader;
    int text = static_cast<int>(len - kRecordHeader - kTagLength);
    plain.resize(static_cast<size_t>(text) + 16);
    int out = 0, last = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), aead_, nullptr, key_.data(), nonce) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &out, record, kRecordHeader) == 1 &&
              EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &out,
                                body, text) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagLength,
                                  const_cast<unsigned char*>(body + text)) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + out,
                                  &last) == 1;
    ERR_clear_error();
    if (!ok) return false;
    plain.resize(static_cast<size_t>(out + last));
    return true;
  }

  const EVP_CIPHER* aead_ = nullptr;
  std::vector<unsigned char> key_;
  unsigned char iv_[kIvLength] = {};
  uint64_t sequence_ = 0;
  std::string handshake_;
  bool usable_ = false;
};

std::string drain_error_queue() {
  std::string reasons;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(code);
    if (!reasons.empty()) reasons += "; ";
    reasons += reason ? reason : "unknown OpenSSL error";
  }
  return reasons;
}

ClientSession::ClientSession(SSL_CTX* ctx, const std::optional<std::string>& sni,
                             SSL_SESSION* resume)
    : ssl_(SSL_new(ctx)) {
  if (!ssl_) {
    fail(FailureKind::kInternal, "SSL_new failed: " + drain_error_queue());
    return;
  }
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  if (!rbio || !wbio) {
    BIO_free(rbio);
    BIO_free(wbio);
    fail(FailureKind::kInternal, "BIO_new failed");
    return;
  }
  // An empty read BIO means "no data yet" (retry), not end of file.
  BIO_set_mem_eof_return(rbio, -1);
  SSL_set0_rbio(ssl_.get(), rbio);
  SSL_set0_wbio(ssl_.get(), wbio);
  rbio_ = rbio;
  wbio_ = wbio;
  SSL_set_connect_state(ssl_.get());
  SSL_set_app_data(ssl_.get(), this);
  SSL_set_info_callback(ssl_.get(), &ClientSession::info_callback);
  if (sni && !sni->empty()) SSL_set_tlsext_host_name(ssl_.get(), sni->c_str());
  if (resume) SSL_set_session(ssl_.get(), resume);
}

ClientSession::~ClientSession() = default;

void enable_session_capture(SSL_CTX* ctx) {
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &ClientSession::new_session_callback);
}

void enable_certificate_peek(SSL_CTX* ctx) {
  SSL_CTX_set_keylog_callback(ctx, &ClientSession::keylog_callback);
}

void ClientSession::keylog_callback(const SSL* ssl, const char* line) {
  static constexpr std::string_view kLabel = "SERVER_HANDSHAKE_TRAFFIC_SECRET ";
  auto* self = static_cast<ClientSession*>(SSL_get_app_data(ssl));
  if (!self || self->stop_point_ != StopPoint::kCertificate) return;
  std::string_view text(line);
  if (text.substr(0, kLabel.size()) != kLabel) return;
  // "<label> <client random, hex> <secret, hex>"
  size_t space = text.find(' ', kLabel.size());
  if (space == std::string_view::npos) return;
  std::string_view hex = text.substr(space + 1);
  std::vector<unsigned char> secret;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    secret.push_back(static_cast<unsigned char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  const SSL_CIPHER* suite = SSL_get_pending_cipher(ssl);
  if (!suite) suite = SSL_get_current_cipher(ssl);
  if (suite && !secret.empty()) self->peek_ = std::make_unique<Tls13Peek>(suite, std::move(secret));
}

int ClientSession::new_session_callback(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<ClientSession*>(SSL_get_app_data(ssl));
  if (!self) return 0;
  self->session_.reset(session);  // returning 1 hands us the reference
  return 1;
}

bool ClientSession::has_ticket() const {
  return session_ && SSL_SESSION_has_ticket(session_.get()) == 1;
}

bool ClientSession::reused() const {
  return resumed_by_hello_ || (ssl_ && SSL_session_reused(ssl_.get()) == 1);
}

int ClientSession::version() const {
  if (resumed_by_hello_) return TLS1_3_VERSION;
  return ssl_ ? SSL_version(ssl_.get()) : 0;
}

void ClientSession::set_stop_point(StopPoint point) {
  stop_point_ = point;
  // TLS 1.3 sends the Certificate encrypted: OpenSSL shows it to this callback.
  if (ssl_ && point == StopPoint::kCertificate) {
    SSL_set_msg_callback(ssl_.get(), &ClientSession::msg_callback);
  }
}

void ClientSession::msg_callback(int write_p, int /*version*/, int content_type, const void* buf,
                                 size_t len, SSL* ssl, void* /*arg*/) {
  if (write_p || content_type != SSL3_RT_HANDSHAKE || len < kMessageHeader) return;
  auto* msg = static_cast<const unsigned char*>(buf);
  if (msg[0] != kCertificateType) return;
  auto* self = static_cast<ClientSession*>(SSL_get_app_data(ssl));
  if (!self || !self->leaf_der_.empty()) return;
  self->leaf_der_ = first_certificate(msg, len, SSL_version(ssl) == TLS1_3_VERSION);
}

X509* ClientSession::peer_leaf() const {
  if (!ssl_) return nullptr;
  if (stopped_at_ == StopPoint::kFinished && state_ == State::kDone) {
    return SSL_get0_peer_certificate(ssl_.get());
  }
  if (!leaf_ && !leaf_der_.empty()) {
    auto* p = reinterpret_cast<const unsigned char*>(leaf_der_.data());
    leaf_.reset(d2i_X509(nullptr, &p, static_cast<long>(leaf_der_.size())));
    ERR_clear_error();
  }
  return leaf_.get();
}

// A TLS 1.3 ServerHello that accepts the offered ticket the way OpenSSL would take it:
// supported_versions 1.3, pre_shared_key naming our one identity, a suite of the same
// hash as the session's, a key share in the group we sent one for. Then the probe knows
// the session was resumed without the key exchange. Anything else (a full handshake, an
// oddity) is left to OpenSSL.
bool ClientSession::resumed_tls13_hello(const std::string& message) const {
  SSL_SESSION* offered = SSL_get_session(ssl_.get());
  if (!offered || key_share_group_ < 0) return false;
  auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  size_t len = message.size();
  size_t at = kMessageHeader + 2 + 32;  // version, random
  if (at + 1 > len) return false;
  at += 1 + msg[at];                                   // session ID echo
  if (at + 3 > len || msg[at + 2] != 0) return false;  // suite, null compression
  const SSL_CIPHER* suite = SSL_CIPHER_find(ssl_.get(), msg + at);
  at += 3;
  bool tls13 = false, psk = false, share = false;
  bool ok =
      for_each_extension(msg, len, at, [&](uint16_t type, const unsigned char* data, size_t size) {
        if (type == kExtSupportedVersions) tls13 = size == 2 && be16(data) == 0x0304;
        if (type == kExtPreSharedKey) psk = size == 2 && be16(data) == 0;
        if (type == kExtKeyShare) share = size >= 4 && be16(data) == key_share_group_;
      });
  const SSL_CIPHER* session_suite = SSL_SESSION_get0_cipher(offered);
  return ok && tls13 && psk && share && suite && session_suite &&
         SSL_SESSION_get_protocol_version(offered) == TLS1_3_VERSION &&
         SSL_CIPHER_get_handshake_digest(suite) == SSL_CIPHER_get_handshake_digest(session_suite);
}

std::string ClientSession::peer_leaf_der() const {
  if (!leaf_der_.empty()) return leaf_der_;
  X509* leaf = peer_leaf();
  if (!leaf) return {};
  unsigned char* der = nullptr;
  int len = i2d_X509(leaf, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

ClientSession::State ClientSession::stop(StopPoint point) {
  stopped_at_ = point;
  state_ = State::kDone;
  return state_;
}

ClientSession::State ClientSession::proceed() {
  if (state_ != State::kDone || stopped_at_ == StopPoint::kFinished) return state_;
  stop_point_ = StopPoint::kFinished;
  stopped_at_ = StopPoint::kFinished;
  state_ = State::kHandshaking;
  resumed_by_hello_ = false;  // OpenSSL reads that ServerHello now
  // What was held back goes in as it would have: the rest of the clear-text handshake
  // bytes (re-framed), then the records not yet looked at.
  if (!handshake_.empty()) {
    write_records(kHandshake, handshake_.data(), handshake_.size());
    handshake_.clear();
  }
  if (!records_.empty()) {
    BIO_write(rbio_, records_.data(), static_cast<int>(records_.size()));
    records_.clear();
  }
  return advance();
}

// Hands OpenSSL clear-text records of the given type holding data, at most 16 KiB each.
void ClientSession::write_records(uint8_t type, const char* data, size_t len) {
  do {
    size_t n = std::min(len, kMaxPlainRecord);
    const unsigned char header[kRecordHeader] = {type, record_version_[0], record_version_[1],
                                                 static_cast<unsigned char>(n >> 8),
                                                 static_cast<unsigned char>(n & 0xff)};
    BIO_write(rbio_, header, sizeof header);
    if (n > 0) BIO_write(rbio_, data, static_cast<int>(n));
    data += n;
    len -= n;
  } while (len > 0);
}

// Bytes from the peer, once the first five have been classified.
ClientSession::State ClientSession::deliver(const char* data, size_t len) {
  if (stop_point_ == StopPoint::kFinished) {
    BIO_write(rbio_, data, static_cast<int>(len));
    return advance();
  }
  records_.append(data, len);
  return pump();
}

// One clear-text handshake message to OpenSSL, in a record of its own.
ClientSession::State ClientSession::feed_message(const std::string& message) {
  write_records(kHandshake, message.data(), message.size());
  return advance();
}

// Early-stop mode: gives OpenSSL one record (or clear-text handshake message) at a time
// and stops as soon as the stop point is reached.
ClientSession::State ClientSession::pump() {
  size_t at = 0;
  while (state_ == State::kHandshaking && records_.size() - at >= kRecordHeader) {
    auto* header = reinterpret_cast<const unsigned char*>(records_.data() + at);
    size_t body = (size_t{header[3]} << 8) | header[4];
    if (body > kMaxRecordBody) {
      // Not a record stream: OpenSSL says what is wrong with it, as without a stop point.
      stop_point_ = StopPoint::kFinished;
      BIO_write(rbio_, records_.data() + at, static_cast<int>(records_.size() - at));
      records_.clear();
      return advance();
    }
    if (records_.size() - at < kRecordHeader + body) break;
    const char* data = records_.data() + at + kRecordHeader;
    at += kRecordHeader + body;
    if (header[0] == kHandshake && !encrypted_) {
      record_version_[0] = header[1];
      record_version_[1] = header[2];
      handshake_.append(data, body);
      // Messages are taken from `used` on and erased once, below: a record packed with
      // thousands of small messages must not cost a copy of the rest per message.
      size_t used = 0;
      // Messages that decide no stop (HelloRequests, ServerKeyExchange, ...) go to OpenSSL
      // together, with one advance(): one handshake step per message was a flood's cost.
      bool batched = false;
      size_t batch_from = 0;
      auto flush_batch = [&] {
        if (!batched) return;
        batched = false;
        write_records(kHandshake, handshake_.data() + batch_from, used - batch_from);
        advance();
      };
      while (state_ == State::kHandshaking && handshake_.size() - used >= kMessageHeader) {
        auto* msg = reinterpret_cast<const unsigned char*>(handshake_.data() + used);
        size_t size = kMessageHeader + be24(msg + 1);
        if (size > kMaxHeldMessage) {
          // Larger than OpenSSL takes: it rejects the message as it would have.
          if (!batched) batch_from = used;
          used = handshake_.size();
          batched = true;
          break;
        }
        if (handshake_.size() - used < size) break;
        const bool decides = msg[0] == kServerHelloType ||
                             (msg[0] == kCertificateType && stop_point_ == StopPoint::kCertificate);
        if (!decides) {
          if (!batched) batch_from = used;
          used += size;
          batched = true;
          continue;
        }
        flush_batch();
        if (state_ != State::kHandshaking) break;
        if (msg[0] == kCertificateType && server_hello_seen_) {
          // TLS <= 1.2: the certificate comes in clear; OpenSSL need not parse the chain.
          // A malformed message is OpenSSL's to refuse.
          leaf_der_ = first_certificate(msg, size, false);
          if (!leaf_der_.empty()) {
            stop(StopPoint::kCertificate);
            break;
          }
        }
        std::string message = handshake_.substr(used, size);
        if (msg[0] == kServerHelloType && stop_point_ == StopPoint::kServerHello &&
            !is_hello_retry(message) && resumed_tls13_hello(message)) {
          resumed_by_hello_ = true;  // OpenSSL never sees it: no key exchange
          stop(StopPoint::kServerHello);
          break;
        }
        used += size;
        if (message[0] == kServerHelloType && is_hello_retry(message)) {
          hello_retried_ = true;
          key_share_group_ = -1;
        }
        feed_message(message);
        if (state_ != State::kHandshaking) break;
        if (message[0] == kServerHelloType && !is_hello_retry(message)) {
          server_hello_seen_ = true;
          if (SSL_version(ssl_.get()) == TLS1_3_VERSION) encrypted_ = true;
          if (stop_point_ == StopPoint::kServerHello) stop(StopPoint::kServerHello);
        }
      }
      if (state_ == State::kHandshaking) flush_batch();
      handshake_.erase(0, used);
      continue;
    }
    if (!handshake_.empty()) {
      // A handshake message cut short by another record: OpenSSL judges it as it came.
      write_records(kHandshake, handshake_.data(), handshake_.size());
      handshake_.clear();
    }
    if (header[0] == kChangeCipherSpec && server_hello_seen_) encrypted_ = true;
    if (header[0] == kApplicationData && stop_point_ == StopPoint::kCertificate && peek_) {
      // TLS 1.3: read the Certificate out of the record ourselves; OpenSSL would parse the
      // whole chain and check the CertificateVerify signature before we could stop.
      if (peek_->certificate(header, kRecordHeader + body, leaf_der_)) {
        at -= kRecordHeader + body;  // held back, with the rest, for proceed()
        stop(StopPoint::kCertificate);
        break;
      }
    }
    BIO_write(rbio_, header, static_cast<int>(kRecordHeader + body));
    advance();
    if (state_ == State::kHandshaking && stop_point_ == StopPoint::kCertificate &&
        !leaf_der_.empty()) {
      stop(StopPoint::kCertificate);  // TLS 1.3: the record held the Certificate
    }
  }
  records_.erase(0, at);
  return state_;
}

void ClientSession::read_post_handshake() {
  char discard[4096];
  ERR_clear_error();
  while (SSL_read(ssl_.get(), discard, sizeof discard) > 0) {
  }
  ERR_clear_error();
}

void ClientSession::info_callback(const SSL* ssl, int where, int ret) {
  // SSL_CB_READ_ALERT is two bits; both must be set (a written alert has only one).
  if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT) return;
  auto* self = static_cast<ClientSession*>(SSL_get_app_data(ssl));
  // ret holds the alert level in its high byte and the description in its low byte.
  if (self && (ret >> 8) == SSL3_AL_FATAL) self->alert_received_ = ret & 0xff;
}

ClientSession::State ClientSession::start() {
  if (state_ != State::kHandshaking) return state_;
  return advance();
}

ClientSession::State ClientSession::feed(const char* data, size_t len) {
  if (state_ == State::kDone && stopped_at_ != StopPoint::kFinished) {
    records_.append(data, len);  // held for proceed()
    return state_;
  }
  if (state_ == State::kDone && len > 0) {
    BIO_write(rbio_, data, static_cast<int>(len));
    read_post_handshake();
    return state_;
  }
  if (state_ != State::kHandshaking || len == 0) return state_;
  if (!first_bytes_checked_) {
    // Decide "TLS or not" on the first five bytes, however the peer dribbles them.
    prefix_.append(data, len);
    if (prefix_.size() < kFirstBytesWanted) return state_;
    first_bytes_checked_ = true;
    if (classify_prefix() != State::kHandshaking) return state_;
    std::string prefix = std::move(prefix_);
    prefix_.clear();
    prefix_.shrink_to_fit();
    return deliver(prefix.data(), prefix.size());
  }
  return deliver(data, len);
}

ClientSession::State ClientSession::classify_prefix() {
  if (auto failure = classify_first_bytes(prefix_)) {
    return fail(failure->kind, std::move(failure->detail));
  }
  return state_;
}

ClientSession::State ClientSession::on_eof() {
  if (state_ != State::kHandshaking) return state_;
  if (!first_bytes_checked_ && !prefix_.empty()) {
    first_bytes_checked_ = true;
    if (classify_prefix() != State::kHandshaking) return state_;
    deliver(prefix_.data(), prefix_.size());
    if (state_ != State::kHandshaking) return state_;
  }
  if (alert_received_ >= 0) {
    return fail(FailureKind::kAlert, "the server sent a fatal alert", alert_received_);
  }
  return fail(FailureKind::kClosed, "the server closed the connection during the handshake");
}

size_t ClientSession::take_output(std::string& out) {
  if (!wbio_) return 0;
  char* data = nullptr;
  long len = BIO_get_mem_data(wbio_, &data);
  if (len <= 0) return 0;
  if (stop_point_ == StopPoint::kServerHello && key_share_group_ < 0 && !hello_retried_) {
    // Our ClientHello, the first flight (after a HelloRetryRequest no ticket is taken on
    // the ServerHello alone).
    key_share_group_ = client_key_share_group(std::string(data, static_cast<size_t>(len)));
  }
  out.append(data, static_cast<size_t>(len));
  (void)BIO_reset(wbio_);
  return static_cast<size_t>(len);
}

ClientSession::State ClientSession::advance() {
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    state_ = State::kDone;
    read_post_handshake();  // a ticket may already be buffered behind the Finished
    return state_;
  }
  int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
  std::string reason = drain_error_queue();
  if (alert_received_ >= 0) {
    return fail(FailureKind::kAlert,
                "the server sent a fatal alert" + (reason.empty() ? "" : ": " + reason),
                alert_received_);
  }
  if (reason.find("wrong version number") != std::string::npos) {
    return fail(FailureKind::kNotTls, "the server did not answer with TLS: " + reason);
  }
  return fail(FailureKind::kProtocolError,
              reason.empty() ? "the handshake failed" : "the handshake failed: " + reason);
}

ClientSession::State ClientSession::fail(FailureKind kind, std::string detail, int alert) {
  state_ = State::kFailed;
  failure_.kind = kind;
  failure_.alert = alert;
  failure_.detail = std::move(detail);
  return state_;
}

}  // namespace tlsfleet::tls
