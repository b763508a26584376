#include "net/permutation.h"

namespace tlsfleet::net {

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Permutation::Permutation(u128 n, uint64_t key) : n_(n) {
  // The smallest width 2h (h >= 1) whose domain holds n values: 2^(2h) >= n.
  int bits = 0;
  while (bits < 128 && (static_cast<u128>(1) << bits) < n) ++bits;
  if (bits < 2) bits = 2;
  if (bits % 2 != 0) ++bits;
  half_bits_ = bits / 2;
  half_mask_ = half_bits_ == 64 ? ~0ULL : (1ULL << half_bits_) - 1;
  uint64_t state = key;
  for (uint64_t& round_key : round_keys_) {
    state = mix64(state);
    round_key = state;
  }
}

u128 Permutation::encipher(u128 x) const {
  uint64_t left = static_cast<uint64_t>(x >> half_bits_) & half_mask_;
  uint64_t right = static_cast<uint64_t>(x) & half_mask_;
  for (uint64_t round_key : round_keys_) {
    uint64_t next = left ^ (mix64(right ^ round_key) & half_mask_);
    left = right;
    right = next;
  }
  return (static_cast<u128>(left) << half_bits_) | right;
}

u128 Permutation::at(u128 index) const {
  if (n_ <= 1) return 0;
  // Cycle walking: the network permutes [0, 2^2h), so following index's cycle must come
  // back into [0, n) (index itself is in it); on average in fewer than 4 steps.
  u128 x = encipher(index);
  while (x >= n_) x = encipher(x);
  return x;
}

}  // namespace tlsfleet::net
