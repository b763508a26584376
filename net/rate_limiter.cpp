#include "net/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tlsfleet::net {

namespace {

constexpr double kNanosPerSecond = 1e9;
// A tenth of a second's worth of connections may start at once by default: smooth
// enough not to look like a flood, coarse enough that a loop timer's jitter loses nothing.
constexpr double kDefaultBurstSeconds = 0.1;

uint64_t clamp_to_u64(double ns) {
  constexpr double kMax = static_cast<double>(std::numeric_limits<uint64_t>::max() / 2);
  if (!(ns > 0)) return 0;
  return ns >= kMax ? static_cast<uint64_t>(kMax) : static_cast<uint64_t>(ns);
}

}  // namespace

RateLimiter::RateLimiter(double per_second, double burst) {
  if (!(per_second > 0) || std::isinf(per_second)) {
    unlimited_ = true;
    return;
  }
  per_second_ = per_second;
  if (!(burst > 0)) burst = per_second * kDefaultBurstSeconds;
  burst_ = std::max(1.0, burst);
  interval_ns_ = kNanosPerSecond / per_second;
  tolerance_ns_ = clamp_to_u64((burst_ - 1) * interval_ns_);
}

bool RateLimiter::try_acquire(uint64_t now_ns) {
  if (unlimited_) return true;
  if (next_ready_ns(now_ns) > now_ns) return false;
  // An idle limiter restarts its schedule from now; a busy one keeps its own pace, so
  // tokens earned while idle never exceed the burst.
  if (tat_ns_ < now_ns) {
    tat_ns_ = now_ns;
    tat_fraction_ = 0;
  }
  double step = interval_ns_ + tat_fraction_;
  double whole = std::floor(step);
  tat_fraction_ = step - whole;
  tat_ns_ += clamp_to_u64(whole);
  return true;
}

uint64_t RateLimiter::next_ready_ns(uint64_t now_ns) const {
  if (unlimited_) return now_ns;
  // Allowed when now >= tat - tolerance; written without subtraction so that neither
  // side can wrap.
  if (now_ns >= tat_ns_ || tat_ns_ - now_ns <= tolerance_ns_) return now_ns;
  return tat_ns_ - tolerance_ns_;
}

}  // namespace tlsfleet::net
