// One scan held in memory at about 250 bytes per endpoint, for `diff`: the side it compares
// against. Strings that repeat across records (status, issuer, suite, finding, a CIDR's
// target) are interned; keys sit in an arena indexed by an open-addressing table of their
// fingerprints; the certificate fingerprint is kept as 32 bytes. No endpoint owns an
// allocation of its own.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "output/scan_summary.h"
#include "output/string_pool.h"

namespace tlsfleet::output {

struct CompactEndpoint {
  enum Flag : uint8_t {
    kHasCert = 1,
    kHasProtocols = 2,
    kHasCiphers = 4,
    kSeen = 8,          // set by the user of the scan (diff: NEW has this key)
    kShaBinary = 16,    // sha256 holds the 32 bytes; otherwise its first 4 hold a pool id
    kHasNotAfter = 32,  // not_after was readable
    kTargetIsSni = 64,  // target equals the SNI, so it is not stored twice
  };

  std::array<uint8_t, 32> sha256{};
  int64_t not_after = 0;  // Unix seconds
  // The encoded key: chunk and offset in the key arena, and length.
  uint32_t key_chunk = 0, key_offset = 0, key_length = 0;
  uint32_t lists = 0;  // offset in the list arena: protocols, then ciphers, then findings
  uint32_t target = 0, status = 0, error_code = 0, version = 0, cipher = 0, issuer = 0;
  int32_t days_left = 0;
  uint16_t n_protocols = 0, n_ciphers = 0, n_findings = 0;  // lists longer than 65535 are cut
  uint8_t flags = 0;

  bool has(Flag flag) const { return (flags & flag) != 0; }
};

// Separates the parts of compound pool strings ("TLSv1.2" + suite, id + severity + cause)
// and of encoded keys. No string from a JSON document holds it unescaped.
inline constexpr char kPartSeparator = '\x1f';

// Part `index` of a compound string.
std::string_view compound_part(std::string_view compound, std::size_t index);

// "0123...ef" (64 lower-case hex digits) as 32 bytes; false for anything else.
bool sha256_from_hex(std::string_view hex, std::array<uint8_t, 32>& out);

class CompactScan {
 public:
  CompactScan();
  CompactScan(const CompactScan&) = delete;
  CompactScan& operator=(const CompactScan&) = delete;

  // Stores `s`; a key already present is replaced (the last record wins) and true returned.
  bool add(const EndpointSummary& s);
  // The index of the endpoint with this key.
  std::optional<uint32_t> find(const EndpointKey& key);

  std::size_t size() const { return endpoints_.size(); }
  CompactEndpoint& at(uint32_t index) { return endpoints_[index]; }
  const CompactEndpoint& at(uint32_t index) const { return endpoints_[index]; }

  EndpointKey key(const CompactEndpoint& e) const;
  std::string_view target(const CompactEndpoint& e) const;
  std::string sha256_hex(const CompactEndpoint& e) const;
  std::string_view text(uint32_t id) const { return pool_.get(id); }
  const StringPool& pool() const { return pool_; }

  // The endpoint's lists: (version id << 1 | accepted) per probed version; the version ids
  // and "version<sep>suite" ids of the enumerated suites; "id<sep>severity<sep>cause" ids.
  // data() + offset, not &lists_[offset]: an endpoint with no lists may sit at the end of
  // the arena (or the arena may be empty), where operator[] is out of range.
  const uint32_t* protocols(const CompactEndpoint& e) const { return lists_.data() + e.lists; }
  const uint32_t* ciphers(const CompactEndpoint& e) const { return protocols(e) + e.n_protocols; }
  const uint32_t* findings(const CompactEndpoint& e) const { return ciphers(e) + e.n_ciphers; }

 private:
  static constexpr std::size_t kChunkBytes = 1 << 20;  // key arena chunk

  void encode(const EndpointKey& key);  // into probe_
  std::string_view stored_key(const CompactEndpoint& e) const;
  void store_key(std::string_view encoded, CompactEndpoint& e);
  void grow_table();

  StringPool pool_;
  std::deque<CompactEndpoint> endpoints_;  // a deque never doubles: no slack, no copy peak
  std::vector<uint32_t> lists_;
  std::vector<std::unique_ptr<char[]>> key_chunks_;
  std::size_t key_chunk_used_ = kChunkBytes;
  // Open addressing, linear probing: fingerprints and endpoint index + 1 (0 = empty).
  std::vector<uint64_t> slot_hash_;
  std::vector<uint32_t> slot_index_;
  std::string probe_;
};

}  // namespace tlsfleet::output
