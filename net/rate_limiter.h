// RateLimiter: caps new TCP connections per second (--rate N) as a token bucket, in the
// GCRA form (one "theoretical arrival time" instead of a token count that has to be
// refilled). Time is passed in as monotonic nanoseconds (uv_hrtime(), steady_clock), so
// the limiter reads no clock itself and tests drive it with plain numbers.
//
// Not thread-safe: the workers of one scan either share one limiter behind a mutex (a
// few nanoseconds per connection) or each take RateLimiter(rate / N, burst / N).
#pragma once

#include <cstdint>

namespace tlsfleet::net {

class RateLimiter {
 public:
  // per_second <= 0 means unlimited (--rate 0): every try_acquire() succeeds.
  // burst is how many connections may start back to back after an idle spell; 0 picks
  // the default, a tenth of a second's worth: max(1, per_second / 10). A burst below 1
  // is raised to 1, since a smaller bucket could never hold a whole token. The bucket
  // starts full.
  explicit RateLimiter(double per_second, double burst = 0);

  // Takes one token and returns true when a connection may start at now_ns; otherwise
  // changes nothing and returns false. now_ns should not go backwards; a clock that does
  // only delays acquisitions, it never grants extra ones.
  bool try_acquire(uint64_t now_ns);
  // The earliest time, no earlier than now_ns, at which try_acquire() will succeed (given
  // no other acquisitions in between): the time to arm the loop's timer for.
  uint64_t next_ready_ns(uint64_t now_ns) const;

  bool unlimited() const { return unlimited_; }
  double per_second() const { return per_second_; }
  double burst() const { return burst_; }

 private:
  bool unlimited_ = false;
  double per_second_ = 0;
  double burst_ = 1;
  double interval_ns_ = 0;     // time one token takes to refill
  uint64_t tolerance_ns_ = 0;  // (burst - 1) intervals: how far ahead of schedule we may run
  uint64_t tat_ns_ = 0;        // when the bucket would be full again ("theoretical arrival")
  double tat_fraction_ = 0;    // sub-nanosecond remainder of tat_ns_, so rates do not drift
};

}  // namespace tlsfleet::net
