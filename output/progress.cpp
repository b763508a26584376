#include "output/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tlsfleet::output {

namespace {

// Seconds as M:SS, or H:MM:SS past an hour; `pad_minutes` gives [MM:SS] for the elapsed
// clock so the line does not jump while it ticks.
std::string format_duration(double seconds, bool pad_minutes) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  // Past 100 days an estimate is noise; cap it so the text stays short.
  const auto total = static_cast<uint64_t>(std::min(seconds, 100.0 * 86400) + 0.5);
  const uint64_t hours = total / 3600;
  const uint64_t minutes = total / 60 % 60;
  const uint64_t secs = total % 60;
  char buf[48];
  if (hours > 0) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(hours),
                  static_cast<unsigned long long>(minutes), static_cast<unsigned long long>(secs));
  } else {
    std::snprintf(buf, sizeof buf, pad_minutes ? "%02llu:%02llu" : "%llu:%02llu",
                  static_cast<unsigned long long>(minutes), static_cast<unsigned long long>(secs));
  }
  return buf;
}

std::string format_rate(double rate) {
  // Slow scans (a few endpoints a second) keep a decimal so the rate is not shown as 0.
  if (rate < 10) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", rate);
    return buf;
  }
  return format_count(static_cast<uint64_t>(rate + 0.5));
}

}  // namespace

std::string format_count(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i >= lead && (i - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string format_progress(const ProgressSnapshot& snapshot) {
  std::string line;
  line.reserve(128);
  line += '[';
  line += format_duration(snapshot.elapsed_s, true);
  line += "] ";
  line += format_count(snapshot.done);

  // A negative rate stands for "unknown" (no rate given and no time elapsed yet).
  double rate = -1;
  if (snapshot.rate_per_s) {
    rate = *snapshot.rate_per_s;
  } else if (snapshot.elapsed_s > 0) {
    rate = static_cast<double>(snapshot.done) / snapshot.elapsed_s;
  }
  if (!std::isfinite(rate)) rate = -1;

  if (snapshot.total) {
    const uint64_t total = *snapshot.total;
    line += '/';
    line += format_count(total);
    if (total > 0) {
      // A total that was an estimate may be overtaken; the line never claims more than 100%.
      const double percent =
          std::min(100.0, 100.0 * static_cast<double>(snapshot.done) / static_cast<double>(total));
      char buf[16];
      std::snprintf(buf, sizeof buf, " %.1f%%", percent);
      line += buf;
    }
  }
  if (rate >= 0) {
    line += "  ";
    line += format_rate(rate);
    line += "/s";
  }
  if (snapshot.total) {
    const uint64_t remaining =
        *snapshot.total > snapshot.done ? *snapshot.total - snapshot.done : 0;
    line += "  ETA ";
    if (remaining == 0) {
      line += format_duration(0, false);
    } else if (rate > 0) {
      line += format_duration(static_cast<double>(remaining) / rate, false);
    } else {
      line += "--";
    }
  }
  for (std::size_t i = 0; i < kStatusCount; ++i) {
    if (snapshot.by_status[i] == 0) continue;
    line += "  ";
    line += status_text(static_cast<scanner::Status>(i));
    line += ' ';
    line += format_count(snapshot.by_status[i]);
  }
  return line;
}

}  // namespace tlsfleet::output
