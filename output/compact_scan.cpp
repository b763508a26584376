#include "output/compact_scan.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace tlsfleet::output {

namespace {

// The table doubles when it is this full (numerator / 4).
constexpr std::size_t kMaxLoadQuarters = 3;
constexpr std::size_t kInitialSlots = 1 << 12;
constexpr std::size_t kMaxList = UINT16_MAX;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

uint64_t hash_bytes(std::string_view bytes) { return std::hash<std::string_view>()(bytes); }

}  // namespace

std::string_view compound_part(std::string_view compound, std::size_t index) {
  for (std::size_t i = 0; i < index; ++i) {
    const std::size_t sep = compound.find(kPartSeparator);
    if (sep == std::string_view::npos) return {};
    compound.remove_prefix(sep + 1);
  }
  return compound.substr(0, compound.find(kPartSeparator));
}

bool sha256_from_hex(std::string_view hex, std::array<uint8_t, 32>& out) {
  if (hex.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

CompactScan::CompactScan() : slot_hash_(kInitialSlots), slot_index_(kInitialSlots) {}

void CompactScan::encode(const EndpointKey& key) {
  probe_.clear();
  probe_ += key.ip;
  probe_ += kPartSeparator;
  probe_ += std::to_string(key.port);
  probe_ += kPartSeparator;
  probe_ += key.sni;
  probe_ += kPartSeparator;
  probe_ += key.name;
}

std::string_view CompactScan::stored_key(const CompactEndpoint& e) const {
  return {key_chunks_[e.key_chunk].get() + e.key_offset, e.key_length};
}

void CompactScan::store_key(std::string_view encoded, CompactEndpoint& e) {
  if (key_chunk_used_ + encoded.size() > kChunkBytes) {
    // A key longer than a chunk (only a hostile file has one) gets a chunk of its own.
    key_chunks_.emplace_back(new char[std::max(kChunkBytes, encoded.size())]);
    key_chunk_used_ = 0;
  }
  std::memcpy(key_chunks_.back().get() + key_chunk_used_, encoded.data(), encoded.size());
  e.key_chunk = static_cast<uint32_t>(key_chunks_.size() - 1);
  e.key_offset = static_cast<uint32_t>(key_chunk_used_);
  e.key_length = static_cast<uint32_t>(encoded.size());
  key_chunk_used_ = encoded.size() > kChunkBytes ? kChunkBytes : key_chunk_used_ + encoded.size();
}

void CompactScan::grow_table() {
  const std::size_t slots = slot_hash_.size() * 2;
  std::vector<uint64_t> hashes(slots);
  std::vector<uint32_t> indexes(slots);
  for (std::size_t i = 0; i < slot_hash_.size(); ++i) {
    if (slot_index_[i] == 0) continue;
    std::size_t at = slot_hash_[i] & (slots - 1);
    while (indexes[at] != 0) at = (at + 1) & (slots - 1);
    hashes[at] = slot_hash_[i];
    indexes[at] = slot_index_[i];
  }
  slot_hash_.swap(hashes);
  slot_index_.swap(indexes);
}

std::optional<uint32_t> CompactScan::find(const EndpointKey& key) {
  encode(key);
  const uint64_t hash = hash_bytes(probe_);
  const std::size_t mask = slot_hash_.size() - 1;
  for (std::size_t at = hash & mask; slot_index_[at] != 0; at = (at + 1) & mask) {
    if (slot_hash_[at] == hash && stored_key(endpoints_[slot_index_[at] - 1]) == probe_) {
      return slot_index_[at] - 1;
    }
  }
  return std::nullopt;
}

bool CompactScan::add(const EndpointSummary& s) {
  std::optional<uint32_t> index = find(s.key);  // leaves the encoded key in probe_
  const bool replaced = index.has_value();
  if (replaced) {
    // Keep the stored key; the lists of the earlier record stay behind in the arena.
    CompactEndpoint& old = endpoints_[*index];
    const CompactEndpoint kept = old;
    old = CompactEndpoint{};
    old.key_chunk = kept.key_chunk;
    old.key_offset = kept.key_offset;
    old.key_length = kept.key_length;
  } else {
    if ((endpoints_.size() + 1) * 4 > slot_hash_.size() * kMaxLoadQuarters) grow_table();
    index = static_cast<uint32_t>(endpoints_.size());
    store_key(probe_, endpoints_.emplace_back());
    const uint64_t hash = hash_bytes(probe_);
    const std::size_t mask = slot_hash_.size() - 1;
    std::size_t at = hash & mask;
    while (slot_index_[at] != 0) at = (at + 1) & mask;
    slot_hash_[at] = hash;
    slot_index_[at] = *index + 1;
  }
  CompactEndpoint& e = endpoints_[*index];
  if (!s.target.empty() && s.target == s.key.sni) {
    e.flags |= CompactEndpoint::kTargetIsSni;
  } else {
    e.target = pool_.intern(s.target);
  }
  e.status = pool_.intern(s.status);
  e.error_code = pool_.intern(s.error_code);
  e.version = pool_.intern(s.version);
  e.cipher = pool_.intern(s.cipher);
  if (s.has_cert) {
    e.flags |= CompactEndpoint::kHasCert;
    e.issuer = pool_.intern(s.cert_issuer);
    e.days_left = static_cast<int32_t>(s.days_left);
    if (sha256_from_hex(s.cert_sha256, e.sha256)) {
      e.flags |= CompactEndpoint::kShaBinary;
    } else {
      const uint32_t id = pool_.intern(s.cert_sha256);
      std::memcpy(e.sha256.data(), &id, sizeof id);
    }
    if (auto t = parse_rfc3339(s.cert_not_after)) {
      e.flags |= CompactEndpoint::kHasNotAfter;
      e.not_after = *t;
    }
  }
  e.lists = static_cast<uint32_t>(lists_.size());
  if (s.has_protocols) e.flags |= CompactEndpoint::kHasProtocols;
  for (std::size_t i = 0; i < std::min(s.protocols.size(), kMaxList); ++i) {
    lists_.push_back(pool_.intern(s.protocols[i].first) << 1 | (s.protocols[i].second ? 1 : 0));
  }
  e.n_protocols = static_cast<uint16_t>(lists_.size() - e.lists);
  if (s.has_ciphers) e.flags |= CompactEndpoint::kHasCiphers;
  const std::size_t ciphers_start = lists_.size();
  std::string compound;
  for (const auto& [version, suites] : s.ciphers) {
    if (lists_.size() - ciphers_start + 1 + suites.size() > kMaxList) break;
    lists_.push_back(pool_.intern(version));
    for (const std::string& suite : suites) {
      compound.assign(version).push_back(kPartSeparator);
      compound += suite;
      lists_.push_back(pool_.intern(compound));
    }
  }
  e.n_ciphers = static_cast<uint16_t>(lists_.size() - ciphers_start);
  for (std::size_t i = 0; i < std::min(s.findings.size(), kMaxList); ++i) {
    const FindingSummary& f = s.findings[i];
    compound.assign(f.id).push_back(kPartSeparator);
    compound.append(f.severity).push_back(kPartSeparator);
    compound += f.cause;
    lists_.push_back(pool_.intern(compound));
  }
  e.n_findings = static_cast<uint16_t>(std::min(s.findings.size(), kMaxList));
  return replaced;
}

EndpointKey CompactScan::key(const CompactEndpoint& e) const {
  const std::string_view stored = stored_key(e);
  EndpointKey key;
  key.ip = compound_part(stored, 0);
  key.port = static_cast<uint16_t>(std::stoul(std::string(compound_part(stored, 1))));
  key.sni = compound_part(stored, 2);
  key.name = compound_part(stored, 3);
  return key;
}

std::string_view CompactScan::target(const CompactEndpoint& e) const {
  if (e.has(CompactEndpoint::kTargetIsSni)) return compound_part(stored_key(e), 2);
  return pool_.get(e.target);
}

std::string CompactScan::sha256_hex(const CompactEndpoint& e) const {
  if (!e.has(CompactEndpoint::kShaBinary)) {
    uint32_t id;
    std::memcpy(&id, e.sha256.data(), sizeof id);
    return std::string(pool_.get(id));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (std::size_t i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[e.sha256[i] >> 4];
    hex[2 * i + 1] = kHex[e.sha256[i] & 0xf];
  }
  return hex;
}

}  // namespace tlsfleet::output
