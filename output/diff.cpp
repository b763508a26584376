#include "output/diff.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <vector>

#include "output/json_writer.h"
#include "output/string_pool.h"

namespace tlsfleet::output {

namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;
// Joins the parts of a compound pool string ("TLSv1.2" + suite); no JSON string holds it.
constexpr char kSep = '\x1f';
// An id no pool string has: a NEW key naming a string OLD never had cannot match.
constexpr uint32_t kAbsent = UINT32_MAX;

constexpr const char* kEventNames[kChangeEventCount] = {
    "endpoint_appeared", "endpoint_disappeared", "status_changed",  "negotiated_changed",
    "cert_rotated",      "expiry_changed",       "finding_appeared", "finding_resolved",
    "version_enabled",   "version_disabled",     "cipher_enabled",   "cipher_disabled"};

enum Flag : uint8_t {
  kHasCert = 1,
  kHasProtocols = 2,
  kHasCiphers = 4,
  kSeen = 8,         // NEW has this key
  kShaBinary = 16,   // sha256 holds the 32 bytes; otherwise its first 4 hold a pool id
  kHasNotAfter = 32  // not_after parsed
};

// OLD's key with sni and name interned: a hash-map key of 48 bytes instead of 104.
struct PackedKey {
  std::string ip;
  uint32_t sni = 0;
  uint32_t name = 0;
  uint16_t port = 0;
  bool operator==(const PackedKey&) const = default;
};

struct PackedKeyHash {
  std::size_t operator()(const PackedKey& k) const {
    uint64_t h = std::hash<std::string>()(k.ip);
    h ^= (static_cast<uint64_t>(k.sni) << 32 | k.name) * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h ^ (static_cast<uint64_t>(k.port) << 17));
  }
};

// One OLD endpoint in 88 bytes plus its share of the list arena; no allocation of its own.
struct OldEndpoint {
  const PackedKey* key = nullptr;  // the map's own copy
  uint32_t target = 0, status = 0, error_code = 0, version = 0, cipher = 0, issuer = 0;
  int64_t not_after = 0;
  int32_t days_left = 0;
  std::array<uint8_t, 32> sha256{};
  uint32_t lists = 0;  // offset of protocols, then ciphers, then findings in the arena
  uint16_t n_protocols = 0, n_ciphers = 0, n_findings = 0;
  uint8_t flags = 0;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool sha_to_binary(std::string_view hex, std::array<uint8_t, 32>& out) {
  if (hex.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string binary_to_sha(const std::array<uint8_t, 32>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (std::size_t i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[bytes[i] >> 4];
    hex[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return hex;
}

std::string_view part(std::string_view compound, std::size_t index) {
  for (std::size_t i = 0; i < index; ++i) {
    const std::size_t sep = compound.find(kSep);
    if (sep == std::string_view::npos) return {};
    compound.remove_prefix(sep + 1);
  }
  return compound.substr(0, compound.find(kSep));
}

// One endpoint's facts as events print them, from either side.
struct Side {
  std::string_view status, error_code, version, cipher, issuer;
  std::string sha256, not_after;
  std::optional<int64_t> not_after_unix;
  int64_t days_left = 0;
  bool has_cert = false;
};

void write_or_null(JsonWriter& w, std::string_view value) {
  if (value.empty()) {
    w.null();
  } else {
    w.string(value);
  }
}

class Differ {
 public:
  Differ(const LineSink& sink, DiffStats& stats) : sink_(sink), stats_(stats) {}

  void add_old(const EndpointSummary& s);
  void compare(const EndpointSummary& now);
  void emit_disappeared();
  bool flush();
  bool failed() const { return failed_; }

 private:
  Side old_side(const OldEndpoint& e) const;
  static Side new_side(const EndpointSummary& s);
  // Writes {"event", "key", "target", "old": old_value(w), "new": new_value(w)}.
  template <typename OldValue, typename NewValue>
  void event(ChangeEvent kind, const EndpointKey& key, std::string_view target,
             OldValue old_value, NewValue new_value);
  void write_summary(JsonWriter& w, const Side& side, const std::vector<std::string_view>& ids);
  void compare_lists(const OldEndpoint& e, const EndpointSummary& now);
  EndpointKey unpack(const PackedKey& k) const;

  const LineSink& sink_;
  DiffStats& stats_;
  StringPool pool_;
  std::unordered_map<PackedKey, uint32_t, PackedKeyHash> index_;
  std::vector<OldEndpoint> old_;
  std::vector<uint32_t> arena_;
  std::string out_;
  bool failed_ = false;
};

void Differ::add_old(const EndpointSummary& s) {
  PackedKey key{s.key.ip, pool_.intern(s.key.sni), pool_.intern(s.key.name), s.key.port};
  auto [it, inserted] = index_.try_emplace(std::move(key), static_cast<uint32_t>(old_.size()));
  if (inserted) {
    old_.emplace_back().key = &it->first;
  } else {
    ++stats_.old_duplicates;  // the later record wins; its lists go to the arena's end
    old_[it->second] = OldEndpoint{.key = &it->first};
  }
  OldEndpoint& e = old_[it->second];
  e.target = pool_.intern(s.target);
  e.status = pool_.intern(s.status);
  e.error_code = pool_.intern(s.error_code);
  e.version = pool_.intern(s.version);
  e.cipher = pool_.intern(s.cipher);
  if (s.has_cert) {
    e.flags |= kHasCert;
    e.issuer = pool_.intern(s.cert_issuer);
    e.days_left = static_cast<int32_t>(s.days_left);
    if (sha_to_binary(s.cert_sha256, e.sha256)) {
      e.flags |= kShaBinary;
    } else {
      const uint32_t id = pool_.intern(s.cert_sha256);
      std::memcpy(e.sha256.data(), &id, sizeof id);
    }
    if (auto t = parse_rfc3339(s.cert_not_after)) {
      e.flags |= kHasNotAfter;
      e.not_after = *t;
    }
  }
  e.lists = static_cast<uint32_t>(arena_.size());
  if (s.has_protocols) e.flags |= kHasProtocols;
  for (const auto& [version, accepted] : s.protocols) {
    arena_.push_back(pool_.intern(version) << 1 | (accepted ? 1 : 0));
  }
  e.n_protocols = static_cast<uint16_t>(s.protocols.size());
  if (s.has_ciphers) e.flags |= kHasCiphers;
  const std::size_t ciphers_start = arena_.size();
  for (const auto& [version, suites] : s.ciphers) {
    arena_.push_back(pool_.intern(version));
    for (const std::string& suite : suites) {
      arena_.push_back(pool_.intern(version + kSep + suite));
    }
  }
  e.n_ciphers = static_cast<uint16_t>(arena_.size() - ciphers_start);
  for (const FindingSummary& f : s.findings) {
    arena_.push_back(pool_.intern(f.id + kSep + f.severity + kSep + f.cause));
  }
  e.n_findings = static_cast<uint16_t>(s.findings.size());
}

Side Differ::old_side(const OldEndpoint& e) const {
  Side side;
  side.status = pool_.get(e.status);
  side.error_code = pool_.get(e.error_code);
  side.version = pool_.get(e.version);
  side.cipher = pool_.get(e.cipher);
  side.has_cert = (e.flags & kHasCert) != 0;
  if (side.has_cert) {
    side.issuer = pool_.get(e.issuer);
    if (e.flags & kShaBinary) {
      side.sha256 = binary_to_sha(e.sha256);
    } else {
      uint32_t id;
      std::memcpy(&id, e.sha256.data(), sizeof id);
      side.sha256 = pool_.get(id);
    }
    if (e.flags & kHasNotAfter) {
      side.not_after_unix = e.not_after;
      side.not_after = format_rfc3339(e.not_after);
    }
    side.days_left = e.days_left;
  }
  return side;
}

Side Differ::new_side(const EndpointSummary& s) {
  Side side;
  side.status = s.status;
  side.error_code = s.error_code;
  side.version = s.version;
  side.cipher = s.cipher;
  side.issuer = s.cert_issuer;
  side.has_cert = s.has_cert;
  side.sha256 = s.cert_sha256;
  side.not_after = s.cert_not_after;
  side.not_after_unix = parse_rfc3339(s.cert_not_after);
  side.days_left = s.days_left;
  return side;
}

EndpointKey Differ::unpack(const PackedKey& k) const {
  return {k.ip, k.port, std::string(pool_.get(k.sni)), std::string(pool_.get(k.name))};
}

template <typename OldValue, typename NewValue>
void Differ::event(ChangeEvent kind, const EndpointKey& key, std::string_view target,
                   OldValue old_value, NewValue new_value) {
  ++stats_.events[static_cast<std::size_t>(kind)];
  JsonWriter w(out_);
  w.begin_object();
  w.key("event");
  w.string(kEventNames[static_cast<std::size_t>(kind)]);
  w.key("key");
  w.begin_object();
  w.key("ip");
  write_or_null(w, key.ip);
  w.key("port");
  w.integer(key.port);
  w.key("sni");
  write_or_null(w, key.sni);
  w.end_object();
  w.key("target");
  w.string(target);
  w.key("old");
  old_value(w);
  w.key("new");
  new_value(w);
  w.end_object();
  out_.push_back('\n');
  if (out_.size() >= kFlushBytes) flush();
}

void Differ::write_summary(JsonWriter& w, const Side& side,
                           const std::vector<std::string_view>& ids) {
  w.begin_object();
  w.key("status");
  w.string(side.status);
  w.key("error_code");
  write_or_null(w, side.error_code);
  w.key("version");
  write_or_null(w, side.version);
  w.key("cipher");
  write_or_null(w, side.cipher);
  w.key("sha256");
  write_or_null(w, side.sha256);
  w.key("not_after");
  write_or_null(w, side.not_after);
  w.key("findings");
  w.begin_array();
  for (std::string_view id : ids) w.string(id);
  w.end_array();
  w.end_object();
}

void Differ::compare(const EndpointSummary& now) {
  const Side n = new_side(now);
  const auto null = [](JsonWriter& w) { w.null(); };
  PackedKey probe{now.key.ip, pool_.find(now.key.sni).value_or(kAbsent),
                  pool_.find(now.key.name).value_or(kAbsent), now.key.port};
  auto it = index_.find(probe);
  if (it == index_.end()) {
    std::vector<std::string_view> ids;
    for (const FindingSummary& f : now.findings) ids.push_back(f.id);
    event(ChangeEvent::kEndpointAppeared, now.key, now.target, null,
          [&](JsonWriter& w) { write_summary(w, n, ids); });
    return;
  }
  OldEndpoint& e = old_[it->second];
  e.flags |= kSeen;
  const Side o = old_side(e);
  if (o.status != n.status || o.error_code != n.error_code) {
    const auto value = [](const Side& s) {
      return [&s](JsonWriter& w) {
        w.begin_object();
        w.key("status");
        w.string(s.status);
        w.key("error_code");
        write_or_null(w, s.error_code);
        w.end_object();
      };
    };
    event(ChangeEvent::kStatusChanged, now.key, now.target, value(o), value(n));
  }
  if (!o.version.empty() && !n.version.empty() &&
      (o.version != n.version || o.cipher != n.cipher)) {
    const auto value = [](const Side& s) {
      return [&s](JsonWriter& w) {
        w.begin_object();
        w.key("version");
        w.string(s.version);
        w.key("cipher");
        w.string(s.cipher);
        w.end_object();
      };
    };
    event(ChangeEvent::kNegotiatedChanged, now.key, now.target, value(o), value(n));
  }
  if (o.has_cert && n.has_cert) {
    if (o.sha256 != n.sha256) {
      const auto value = [](const Side& s) {
        return [&s](JsonWriter& w) {
          w.begin_object();
          w.key("sha256");
          w.string(s.sha256);
          w.key("issuer");
          w.string(s.issuer);
          w.key("not_after");
          write_or_null(w, s.not_after);
          w.end_object();
        };
      };
      event(ChangeEvent::kCertRotated, now.key, now.target, value(o), value(n));
    }
    if (o.not_after_unix != n.not_after_unix) {
      const auto value = [](const Side& s) {
        return [&s](JsonWriter& w) {
          w.begin_object();
          w.key("not_after");
          write_or_null(w, s.not_after);
          w.key("days_left");
          w.integer(s.days_left);
          w.end_object();
        };
      };
      event(ChangeEvent::kExpiryChanged, now.key, now.target, value(o), value(n));
    }
  }
  compare_lists(e, now);
}

void Differ::compare_lists(const OldEndpoint& e, const EndpointSummary& now) {
  const auto null = [](JsonWriter& w) { w.null(); };
  const uint32_t* protocols = arena_.data() + e.lists;
  const uint32_t* ciphers = protocols + e.n_protocols;
  const uint32_t* findings = ciphers + e.n_ciphers;

  // Findings, by id.
  const auto old_has = [&](std::string_view id) {
    for (uint16_t i = 0; i < e.n_findings; ++i) {
      if (part(pool_.get(findings[i]), 0) == id) return true;
    }
    return false;
  };
  for (const FindingSummary& f : now.findings) {
    if (old_has(f.id)) continue;
    event(ChangeEvent::kFindingAppeared, now.key, now.target, null, [&](JsonWriter& w) {
      w.begin_object();
      w.key("id");
      w.string(f.id);
      w.key("severity");
      w.string(f.severity);
      w.key("cause");
      w.string(f.cause);
      w.key("detail");
      w.string(f.detail);
      w.end_object();
    });
  }
  for (uint16_t i = 0; i < e.n_findings; ++i) {
    const std::string_view compound = pool_.get(findings[i]);
    const std::string_view id = part(compound, 0);
    if (std::any_of(now.findings.begin(), now.findings.end(),
                    [&](const FindingSummary& f) { return f.id == id; })) {
      continue;
    }
    event(ChangeEvent::kFindingResolved, now.key, now.target, [&](JsonWriter& w) {
      w.begin_object();
      w.key("id");
      w.string(id);
      w.key("severity");
      w.string(part(compound, 1));
      w.key("cause");
      w.string(part(compound, 2));
      w.end_object();
    }, null);
  }

  // Protocol versions, when both scans probed them.
  if ((e.flags & kHasProtocols) && now.has_protocols) {
    for (const auto& [version, accepted] : now.protocols) {
      const auto id = pool_.find(version);
      if (!id) continue;  // OLD never probed this version
      for (uint16_t i = 0; i < e.n_protocols; ++i) {
        if (protocols[i] >> 1 != *id || ((protocols[i] & 1) != 0) == accepted) continue;
        const auto value = [&version](bool on) {
          return [&version, on](JsonWriter& w) {
            w.begin_object();
            w.key("version");
            w.string(version);
            w.key("accepted");
            w.boolean(on);
            w.end_object();
          };
        };
        event(accepted ? ChangeEvent::kVersionEnabled : ChangeEvent::kVersionDisabled, now.key,
              now.target, value(!accepted), value(accepted));
      }
    }
  }

  // Suites, for the versions both scans enumerated.
  if (!(e.flags & kHasCiphers) || !now.has_ciphers) return;
  const auto old_lists = [&](uint32_t id) { return std::find(ciphers, ciphers + e.n_ciphers, id); };
  const auto value = [](std::string_view version, std::string_view suite, bool on) {
    return [version, suite, on](JsonWriter& w) {
      w.begin_object();
      w.key("version");
      w.string(version);
      w.key("cipher");
      w.string(suite);
      w.key("accepted");
      w.boolean(on);
      w.end_object();
    };
  };
  std::string compound;
  for (const auto& [version, suites] : now.ciphers) {
    const auto version_id = pool_.find(version);
    if (!version_id || old_lists(*version_id) == ciphers + e.n_ciphers) continue;
    for (const std::string& suite : suites) {
      compound = version + kSep + suite;
      const auto id = pool_.find(compound);
      if (id && old_lists(*id) != ciphers + e.n_ciphers) continue;
      event(ChangeEvent::kCipherEnabled, now.key, now.target, value(version, suite, false),
            value(version, suite, true));
    }
    for (uint16_t i = 0; i < e.n_ciphers; ++i) {
      const std::string_view old_compound = pool_.get(ciphers[i]);
      if (part(old_compound, 0) != version || old_compound.find(kSep) == std::string::npos) {
        continue;
      }
      const std::string_view suite = part(old_compound, 1);
      if (std::find(suites.begin(), suites.end(), suite) != suites.end()) continue;
      event(ChangeEvent::kCipherDisabled, now.key, now.target, value(version, suite, true),
            value(version, suite, false));
    }
  }
}

void Differ::emit_disappeared() {
  const auto null = [](JsonWriter& w) { w.null(); };
  for (const OldEndpoint& e : old_) {
    if (e.flags & kSeen) continue;
    const Side o = old_side(e);
    std::vector<std::string_view> ids;
    const uint32_t* findings = arena_.data() + e.lists + e.n_protocols + e.n_ciphers;
    for (uint16_t i = 0; i < e.n_findings; ++i) ids.push_back(part(pool_.get(findings[i]), 0));
    event(ChangeEvent::kEndpointDisappeared, unpack(*e.key), pool_.get(e.target),
          [&](JsonWriter& w) { write_summary(w, o, ids); }, null);
  }
  stats_.old_endpoints = old_.size();
}

bool Differ::flush() {
  if (!out_.empty() && !failed_ && !sink_(out_)) failed_ = true;
  out_.clear();
  return !failed_;
}

}  // namespace

const char* change_event_name(ChangeEvent event) {
  return kEventNames[static_cast<std::size_t>(event)];
}

uint64_t DiffStats::total_events() const {
  uint64_t total = 0;
  for (uint64_t n : events) total += n;
  return total;
}

std::string DiffStats::describe() const {
  std::string text = std::to_string(total_events()) + " events";
  std::string counts;
  for (std::size_t i = 0; i < kChangeEventCount; ++i) {
    if (events[i] == 0) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(events[i]) + " " + kEventNames[i];
  }
  if (!counts.empty()) text += " (" + counts + ")";
  const auto side = [](const char* name, uint64_t endpoints, uint64_t duplicates,
                       const ReadStats& read) {
    std::string s = std::string("; ") + name + ": " + std::to_string(endpoints) + " endpoints";
    if (duplicates > 0) s += ", " + std::to_string(duplicates) + " duplicate records (last wins)";
    if (read.malformed > 0) s += ", " + describe_malformed(read);
    return s;
  };
  text += side("old", old_endpoints, old_duplicates, old_read);
  text += side("new", new_endpoints, new_duplicates, new_read);
  return text;
}

bool diff_scan_files(const std::string& old_path, const std::string& new_path,
                     const LineSink& sink, DiffStats* stats, std::string* error) {
  if (new_path == "-") {
    *error = "NEW cannot be stdin: it is read twice (give a file)";
    return false;
  }
  Differ differ(sink, *stats);
  EndpointSummary summary;
  {
    NdjsonReader reader;
    if (!reader.open(old_path, error)) return false;
    while (reader.next(summary)) differ.add_old(summary);
    stats->old_read = reader.stats();
  }

  // Pass 1 over NEW: which keys it repeats, and how many earlier copies each has to skip.
  std::unordered_map<uint64_t, uint32_t> skip;
  {
    NdjsonReader reader;
    if (!reader.open(new_path, error)) return false;
    std::vector<uint64_t> fingerprints;
    while (reader.next(summary)) fingerprints.push_back(key_fingerprint(summary.key));
    std::sort(fingerprints.begin(), fingerprints.end());
    for (std::size_t i = 1; i < fingerprints.size(); ++i) {
      if (fingerprints[i] == fingerprints[i - 1]) ++skip[fingerprints[i]];
    }
  }

  // Pass 2: compare every key's last record.
  NdjsonReader reader;
  if (!reader.open(new_path, error)) return false;
  while (reader.next(summary) && !differ.failed()) {
    if (!skip.empty()) {
      auto it = skip.find(key_fingerprint(summary.key));
      if (it != skip.end() && it->second > 0) {
        --it->second;
        ++stats->new_duplicates;
        continue;
      }
    }
    ++stats->new_endpoints;
    differ.compare(summary);
  }
  stats->new_read = reader.stats();
  differ.emit_disappeared();
  if (!differ.flush()) {
    *error = "writing the events failed";
    return false;
  }
  for (const ReadStats* read : {&stats->old_read, &stats->new_read}) {
    if (!read->io_error.empty()) {
      *error = (read == &stats->old_read ? old_path : new_path) + ": " + read->io_error;
      return false;
    }
  }
  return true;
}

}  // namespace tlsfleet::output
