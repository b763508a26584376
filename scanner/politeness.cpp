#include "scanner/politeness.h"

#include <algorithm>

#include "net/permutation.h"

namespace tlsfleet::scanner {

namespace {

// How often idle entries are swept out of the maps.
constexpr uint64_t kSweepIntervalNs = 1'000'000'000;

}  // namespace

size_t Politeness::KeyHash::operator()(const Key& k) const {
  return static_cast<size_t>(net::mix64(static_cast<uint64_t>(k.value) ^
                                        net::mix64(static_cast<uint64_t>(k.value >> 64) + k.v4)));
}

Politeness::Key Politeness::host_key(const net::IpAddress& ip) { return {ip.value(), ip.is_v4()}; }

Politeness::Key Politeness::subnet_key(const net::IpAddress& ip) {
  // /24 for IPv4, /64 for IPv6: what one customer, rack or VLAN usually gets.
  return {ip.is_v4() ? ip.value() >> 8 : ip.value() >> 64, ip.is_v4()};
}

Politeness::Decision Politeness::try_acquire(const net::IpAddress& ip, uint64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  forget_old(now_ns);
  Key hk = host_key(ip);
  auto host = hosts_.find(hk);
  if (host != hosts_.end()) {
    if (now_ns < host->second.until_ns) return {false, host->second.until_ns};
    if (options_.per_host > 0 && host->second.active >= options_.per_host) return {false, 0};
  }
  if (options_.per_subnet > 0) {
    auto subnet = subnets_.find(subnet_key(ip));
    if (subnet != subnets_.end() && subnet->second >= options_.per_subnet) return {false, 0};
  }
  ++hosts_[hk].active;
  if (options_.per_subnet > 0) ++subnets_[subnet_key(ip)];
  return {true, 0};
}

void Politeness::release(const net::IpAddress& ip, HostOutcome outcome, uint64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (options_.per_subnet > 0) {
    auto subnet = subnets_.find(subnet_key(ip));
    if (subnet != subnets_.end() && --subnet->second <= 0) subnets_.erase(subnet);
  }
  auto it = hosts_.find(host_key(ip));
  if (it == hosts_.end()) return;
  Host& host = it->second;
  host.active = std::max(0, host.active - 1);
  if (outcome == HostOutcome::kHealthy) {
    host.strikes = 0;
    host.until_ns = 0;
  } else if (outcome == HostOutcome::kStrained) {
    host.strikes = std::min(host.strikes + 1, 62);
    uint64_t delay = options_.backoff_max_ns;
    int shift = host.strikes - 1;
    if (shift < 62 && options_.backoff_base_ns <= (options_.backoff_max_ns >> shift)) {
      delay = options_.backoff_base_ns << shift;
    }
    host.until_ns = std::max(host.until_ns, now_ns + delay);
  }
  if (host.active == 0 && host.strikes == 0) hosts_.erase(it);
}

void Politeness::forget_old(uint64_t now_ns) {
  if (now_ns < next_sweep_ns_) return;
  next_sweep_ns_ = now_ns + kSweepIntervalNs;
  std::erase_if(hosts_, [&](const auto& entry) {
    const Host& h = entry.second;
    return h.active == 0 && now_ns >= h.until_ns && now_ns - h.until_ns >= options_.forget_ns;
  });
}

size_t Politeness::tracked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hosts_.size() + subnets_.size();
}

}  // namespace tlsfleet::scanner
