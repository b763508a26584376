// Permutation: a keyed pseudo-random bijection of [0, n) onto itself, computed one index
// at a time in O(1) memory, for n up to 2^128 - 1. Sweeps use it to visit the endpoints
// of a range in an order that jumps all over the range, so that a /16 never sees one /24
// hammered at a time, while the range itself is never materialised.
//
// It is a balanced Feistel network over the smallest even bit width 2h with 2^2h >= n,
// with "cycle walking" to stay inside [0, n): a value >= n is enciphered again until it
// lands inside. Because the network is a bijection of [0, 2^2h), the walk always ends and
// the result is a bijection of [0, n); since 2^2h < 4n, it takes fewer than 4 steps on
// average. The round function is a 64-bit mixer, not a cipher: the order is meant to be
// spread out and reproducible, not secret.
#pragma once

#include <cstdint>

#include "net/address.h"

namespace tlsfleet::net {

// The splitmix64 finaliser: a fixed, fast bijective mixer of 64 bits. Its output is part
// of the --shard contract (which endpoint belongs to which shard), so it never changes.
uint64_t mix64(uint64_t x);

class Permutation {
 public:
  // A permutation of [0, n) chosen by key; equal (n, key) give the same permutation in
  // every run and on every machine. n == 0 is an empty permutation.
  Permutation(u128 n, uint64_t key);

  u128 size() const { return n_; }
  // The image of index (precondition: index < size()). Every index has a distinct image.
  u128 at(u128 index) const;

 private:
  static constexpr int kRounds = 6;
  u128 encipher(u128 x) const;

  u128 n_;
  int half_bits_ = 1;  // h: each Feistel half holds h bits, 1 <= h <= 64
  uint64_t half_mask_ = 1;
  uint64_t round_keys_[kRounds] = {};
};

}  // namespace tlsfleet::net
