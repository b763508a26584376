#include "output/diff.h"

#include <algorithm>
#include <future>
#include <optional>
#include <unordered_map>
#include <vector>

#include "output/compact_scan.h"
#include "output/json_writer.h"

namespace tlsfleet::output {

namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;

constexpr const char* kEventNames[kChangeEventCount] = {
    "endpoint_appeared", "endpoint_disappeared", "status_changed",   "negotiated_changed",
    "cert_rotated",      "expiry_changed",       "finding_appeared", "finding_resolved",
    "version_enabled",   "version_disabled",     "cipher_enabled",   "cipher_disabled"};

// One endpoint's facts as events print them, from either side. Built only for an event.
struct Side {
  std::string_view status, error_code, version, cipher, issuer;
  std::string sha256, not_after;
  int64_t days_left = 0;
};

void write_or_null(JsonWriter& w, std::string_view value) {
  if (value.empty()) {
    w.null();
  } else {
    w.string(value);
  }
}

void write_null(JsonWriter& w) { w.null(); }

class Differ {
 public:
  Differ(const LineSink& sink, DiffStats& stats) : sink_(sink), stats_(stats) {}

  CompactScan& old_scan() { return old_; }
  void compare(const EndpointSummary& now);
  void emit_disappeared();
  bool flush();
  bool failed() const { return failed_; }

 private:
  Side old_side(const CompactEndpoint& e) const;
  static Side new_side(const EndpointSummary& s);
  // Writes {"event", "key", "target", "old": old_value(w), "new": new_value(w)}.
  template <typename OldValue, typename NewValue>
  void event(ChangeEvent kind, const EndpointKey& key, std::string_view target, OldValue old_value,
             NewValue new_value);
  void compare_certificate(const CompactEndpoint& e, const EndpointSummary& now);
  void compare_findings(const CompactEndpoint& e, const EndpointSummary& now);
  void compare_versions(const CompactEndpoint& e, const EndpointSummary& now);
  void compare_suites(const CompactEndpoint& e, const EndpointSummary& now);

  const LineSink& sink_;
  DiffStats& stats_;
  CompactScan old_;
  std::string out_;
  bool failed_ = false;
};

// The endpoint_appeared / endpoint_disappeared value.
void write_summary(JsonWriter& w, const Side& side, const std::vector<std::string_view>& ids) {
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

Side Differ::old_side(const CompactEndpoint& e) const {
  Side side;
  side.status = old_.text(e.status);
  side.error_code = old_.text(e.error_code);
  side.version = old_.text(e.version);
  side.cipher = old_.text(e.cipher);
  if (e.has(CompactEndpoint::kHasCert)) {
    side.issuer = old_.text(e.issuer);
    side.sha256 = old_.sha256_hex(e);
    if (e.has(CompactEndpoint::kHasNotAfter)) side.not_after = format_rfc3339(e.not_after);
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
  side.sha256 = s.cert_sha256;
  side.not_after = s.cert_not_after;
  side.days_left = s.days_left;
  return side;
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
  w.flush();
  out_.push_back('\n');
  if (out_.size() >= kFlushBytes) flush();
}

void Differ::compare(const EndpointSummary& now) {
  const std::optional<uint32_t> index = old_.find(now.key);
  if (!index) {
    std::vector<std::string_view> ids;
    for (const FindingSummary& f : now.findings) ids.push_back(f.id);
    const Side n = new_side(now);
    event(ChangeEvent::kEndpointAppeared, now.key, now.target, write_null,
          [&](JsonWriter& w) { write_summary(w, n, ids); });
    return;
  }
  CompactEndpoint& e = old_.at(*index);
  e.flags |= CompactEndpoint::kSeen;
  const std::string_view status = old_.text(e.status), error_code = old_.text(e.error_code);
  if (status != now.status || error_code != now.error_code) {
    const auto value = [](std::string_view s, std::string_view code) {
      return [s, code](JsonWriter& w) {
        w.begin_object();
        w.key("status");
        w.string(s);
        w.key("error_code");
        write_or_null(w, code);
        w.end_object();
      };
    };
    event(ChangeEvent::kStatusChanged, now.key, now.target, value(status, error_code),
          value(now.status, now.error_code));
  }
  const std::string_view version = old_.text(e.version), cipher = old_.text(e.cipher);
  if (!version.empty() && !now.version.empty() &&
      (version != now.version || cipher != now.cipher)) {
    const auto value = [](std::string_view v, std::string_view c) {
      return [v, c](JsonWriter& w) {
        w.begin_object();
        w.key("version");
        w.string(v);
        w.key("cipher");
        w.string(c);
        w.end_object();
      };
    };
    event(ChangeEvent::kNegotiatedChanged, now.key, now.target, value(version, cipher),
          value(now.version, now.cipher));
  }
  if (e.has(CompactEndpoint::kHasCert) && now.has_cert) compare_certificate(e, now);
  compare_findings(e, now);
  compare_versions(e, now);
  compare_suites(e, now);
}

void Differ::compare_certificate(const CompactEndpoint& e, const EndpointSummary& now) {
  bool same = false;
  if (e.has(CompactEndpoint::kShaBinary)) {
    std::array<uint8_t, 32> sha{};
    same = sha256_from_hex(now.cert_sha256, sha) && sha == e.sha256;
  } else {
    same = old_.sha256_hex(e) == now.cert_sha256;
  }
  const std::optional<int64_t> old_after =
      e.has(CompactEndpoint::kHasNotAfter) ? std::optional<int64_t>(e.not_after) : std::nullopt;
  const std::optional<int64_t> new_after = parse_rfc3339(now.cert_not_after);
  if (same && old_after == new_after) return;
  const Side o = old_side(e), n = new_side(now);
  if (!same) {
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
  if (old_after != new_after) {
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

void Differ::compare_findings(const CompactEndpoint& e, const EndpointSummary& now) {
  const uint32_t* findings = old_.findings(e);
  const auto old_has = [&](std::string_view id) {
    for (uint16_t i = 0; i < e.n_findings; ++i) {
      if (compound_part(old_.text(findings[i]), 0) == id) return true;
    }
    return false;
  };
  for (const FindingSummary& f : now.findings) {
    if (old_has(f.id)) continue;
    event(ChangeEvent::kFindingAppeared, now.key, now.target, write_null, [&](JsonWriter& w) {
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
    const std::string_view compound = old_.text(findings[i]);
    const std::string_view id = compound_part(compound, 0);
    if (std::any_of(now.findings.begin(), now.findings.end(),
                    [&](const FindingSummary& f) { return f.id == id; })) {
      continue;
    }
    const auto old_value = [&](JsonWriter& w) {
      w.begin_object();
      w.key("id");
      w.string(id);
      w.key("severity");
      w.string(compound_part(compound, 1));
      w.key("cause");
      w.string(compound_part(compound, 2));
      w.end_object();
    };
    event(ChangeEvent::kFindingResolved, now.key, now.target, old_value, write_null);
  }
}

// Versions both scans probed: an accepted flag that flipped.
void Differ::compare_versions(const CompactEndpoint& e, const EndpointSummary& now) {
  if (!e.has(CompactEndpoint::kHasProtocols) || !now.has_protocols) return;
  const uint32_t* protocols = old_.protocols(e);
  for (const auto& protocol : now.protocols) {
    // Named copies, not structured bindings: lambdas below capture them (clang 14).
    const std::string& version = protocol.first;
    const bool accepted = protocol.second;
    const std::optional<uint32_t> id = old_.pool().find(version);
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

// Suites of the versions both scans enumerated; a version that went away entirely is a
// version_disabled, not a cipher_disabled per suite.
void Differ::compare_suites(const CompactEndpoint& e, const EndpointSummary& now) {
  if (!e.has(CompactEndpoint::kHasCiphers) || !now.has_ciphers) return;
  const uint32_t* begin = old_.ciphers(e);
  const uint32_t* end = begin + e.n_ciphers;
  const auto old_lists = [&](uint32_t id) { return std::find(begin, end, id) != end; };
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
    const std::optional<uint32_t> version_id = old_.pool().find(version);
    if (!version_id || !old_lists(*version_id)) continue;
    for (const std::string& suite : suites) {
      compound.assign(version).push_back(kPartSeparator);
      compound += suite;
      const std::optional<uint32_t> id = old_.pool().find(compound);
      if (id && old_lists(*id)) continue;
      event(ChangeEvent::kCipherEnabled, now.key, now.target, value(version, suite, false),
            value(version, suite, true));
    }
    for (const uint32_t* it = begin; it != end; ++it) {
      const std::string_view old_compound = old_.text(*it);
      if (old_compound.find(kPartSeparator) == std::string_view::npos ||
          compound_part(old_compound, 0) != version) {
        continue;
      }
      const std::string_view suite = compound_part(old_compound, 1);
      if (std::find(suites.begin(), suites.end(), suite) != suites.end()) continue;
      event(ChangeEvent::kCipherDisabled, now.key, now.target, value(version, suite, true),
            value(version, suite, false));
    }
  }
}

void Differ::emit_disappeared() {
  for (uint32_t i = 0; i < old_.size(); ++i) {
    const CompactEndpoint& e = old_.at(i);
    if (e.has(CompactEndpoint::kSeen)) continue;
    const Side o = old_side(e);
    std::vector<std::string_view> ids;
    const uint32_t* findings = old_.findings(e);
    for (uint16_t f = 0; f < e.n_findings; ++f) {
      ids.push_back(compound_part(old_.text(findings[f]), 0));
    }
    event(
        ChangeEvent::kEndpointDisappeared, old_.key(e), old_.target(e),
        [&](JsonWriter& w) { write_summary(w, o, ids); }, write_null);
  }
  stats_.old_endpoints = old_.size();
}

bool Differ::flush() {
  if (!out_.empty() && !failed_ && !sink_(out_)) failed_ = true;
  out_.clear();
  return !failed_;
}

// What the first pass over NEW learned: for each key it repeats, how many earlier copies
// to skip so that the last one is compared.
struct Repeats {
  bool opened = false;
  std::string error;
  std::unordered_map<uint64_t, uint32_t> skip;
};

Repeats find_repeats(const std::string& path) {
  Repeats repeats;
  NdjsonReader reader;
  if (!reader.open(path, &repeats.error)) return repeats;
  repeats.opened = true;
  std::vector<uint64_t> fingerprints;  // 8 bytes per NEW record
  EndpointSummary summary;
  while (reader.next(summary)) fingerprints.push_back(key_fingerprint(summary.key));
  std::sort(fingerprints.begin(), fingerprints.end());
  for (std::size_t i = 1; i < fingerprints.size(); ++i) {
    if (fingerprints[i] == fingerprints[i - 1]) ++repeats.skip[fingerprints[i]];
  }
  return repeats;
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
  const auto plural = [](uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  const auto side = [&plural](const char* name, uint64_t endpoints, uint64_t duplicates,
                              const ReadStats& read) {
    std::string s = std::string("; ") + name + ": " + plural(endpoints, "endpoint", "endpoints");
    if (duplicates > 0) {
      s += ", " + plural(duplicates, "duplicate record", "duplicate records") + " (last wins)";
    }
    if (read.malformed > 0) s += ", " + describe_malformed(read);
    return s;
  };
  text += side("old", old_endpoints, old_duplicates, old_read);
  text += side("new", new_endpoints, new_duplicates, new_read);
  return text;
}

bool diff_scan_files(const std::string& old_path, const std::string& new_path, const LineSink& sink,
                     DiffStats* stats, std::string* error) {
  if (new_path == "-") {
    *error = "NEW cannot be stdin: it is read twice (give a file)";
    return false;
  }
  Differ differ(sink, *stats);
  EndpointSummary summary;
  std::future<Repeats> repeats_future;
  {
    NdjsonReader reader;
    if (!reader.open(old_path, error)) return false;
    // NEW's first pass needs nothing from OLD, so it runs on a second core while OLD loads.
    repeats_future = std::async(std::launch::async, find_repeats, std::cref(new_path));
    while (reader.next(summary)) {
      if (differ.old_scan().add(summary)) ++stats->old_duplicates;
    }
    stats->old_read = reader.stats();
  }
  Repeats repeats = repeats_future.get();
  if (!repeats.opened) {
    *error = repeats.error;
    return false;
  }

  NdjsonReader reader;
  if (!reader.open(new_path, error)) return false;
  while (reader.next(summary) && !differ.failed()) {
    if (!repeats.skip.empty()) {
      auto it = repeats.skip.find(key_fingerprint(summary.key));
      if (it != repeats.skip.end() && it->second > 0) {
        --it->second;  // an earlier copy: the last record of the key wins
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
