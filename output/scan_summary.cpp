#include "output/scan_summary.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace tlsfleet::output {

namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

void mix(uint64_t& hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnvPrime;
  }
  // A separator that no field contains keeps ("ab","c") and ("a","bc") apart.
  hash ^= 0xff;
  hash *= kFnvPrime;
}

}  // namespace

uint64_t key_fingerprint(const EndpointKey& key) {
  uint64_t hash = kFnvOffset;
  mix(hash, key.ip);
  const char port[2] = {static_cast<char>(key.port >> 8), static_cast<char>(key.port & 0xff)};
  mix(hash, std::string_view(port, 2));
  mix(hash, key.sni);
  mix(hash, key.name);
  return hash;
}

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS, then an optional fraction, then Z or +HH:MM / -HH:MM. Computed
  // with civil-calendar arithmetic rather than timegm(): diff parses one per record.
  const auto digits = [&](std::size_t at, std::size_t n) -> int {
    if (at + n > text.size()) return -1;
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (text[at] == '.') {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  }
  int64_t offset = 0;
  const std::string_view zone = text.substr(at);
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const int hours = digits(at + 1, 2), minutes = digits(at + 4, 2);
    if (hours < 0 || minutes < 0) return std::nullopt;
    offset = (zone[0] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  } else if (zone != "Z" && zone != "z") {
    return std::nullopt;
  }
  // Days since 1970-01-01 (H. Hinnant's days_from_civil).
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

std::string format_rfc3339(int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

int severity_rank(std::string_view severity) {
  static constexpr std::string_view kNames[] = {"info", "low", "medium", "high", "critical"};
  for (int i = 0; i < 5; ++i) {
    if (severity == kNames[i]) return i;
  }
  return -1;
}

int EndpointSummary::worst_severity() const {
  int worst = -1;
  for (const FindingSummary& f : findings) worst = std::max(worst, severity_rank(f.severity));
  return worst;
}

}  // namespace tlsfleet::output
