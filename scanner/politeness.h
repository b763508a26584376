// Politeness: how hard one scan may press on one address and one subnet, shared by every
// worker thread of the scan (one mutex, a few hash lookups per endpoint).
//  - per host: endpoints in flight to one address at once (--per-host, default 1). An
//    endpoint makes its probes one connection after another, so this is also the number
//    of connections open to the address at once.
//  - per subnet: endpoints in flight to one /24 (IPv4) or /64 (IPv6) (--per-subnet).
//  - backoff: an endpoint that ended in a timeout or a reset counts a strike against its
//    address; the next endpoint to that address waits base * 2^(strikes - 1), at most max.
//    A handshake that completes clears the strikes; a refused connect changes nothing.
// The global --rate applies on top: an endpoint starts only when both allow it.
//
// Time is passed in (monotonic nanoseconds), so tests drive it with plain numbers.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "net/address.h"

namespace tlsfleet::scanner {

struct PolitenessOptions {
  int per_host = 1;    // 0: unlimited
  int per_subnet = 0;  // 0: unlimited
  uint64_t backoff_base_ns = 500'000'000;
  uint64_t backoff_max_ns = 30'000'000'000;
  // Strikes are forgotten this long after an address's backoff ended with no new strike,
  // so memory holds only addresses that failed recently.
  uint64_t forget_ns = 60'000'000'000;
};

// How an endpoint ended, as far as backoff cares.
enum class HostOutcome {
  kHealthy,   // a handshake completed (or the server spoke): clears the strikes
  kNeutral,   // nothing learned about load (refused, not TLS, cancelled, never started)
  kStrained,  // timed out or reset: one more strike
};

class Politeness {
 public:
  explicit Politeness(PolitenessOptions options) : options_(options) {}

  struct Decision {
    bool granted = false;
    // When refused because of a backoff: when it ends. 0 when refused because the address
    // or subnet is busy (retry when something is released).
    uint64_t not_before_ns = 0;
  };

  // Takes a slot for an endpoint to ip at now_ns, or says why not (taking nothing).
  Decision try_acquire(const net::IpAddress& ip, uint64_t now_ns);
  // Gives back a slot taken by try_acquire, with what the endpoint told about its host.
  void release(const net::IpAddress& ip, HostOutcome outcome, uint64_t now_ns);

  // Addresses and subnets held in memory (tests check it stays bounded).
  size_t tracked() const;
  const PolitenessOptions& options() const { return options_; }

 private:
  struct Key {
    net::u128 value = 0;
    bool v4 = true;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Host {
    int active = 0;
    int strikes = 0;
    uint64_t until_ns = 0;  // no new endpoint before this
  };

  static Key host_key(const net::IpAddress& ip);
  static Key subnet_key(const net::IpAddress& ip);
  void forget_old(uint64_t now_ns);

  PolitenessOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, Host, KeyHash> hosts_;
  std::unordered_map<Key, int, KeyHash> subnets_;
  uint64_t next_sweep_ns_ = 0;
};

}  // namespace tlsfleet::scanner
