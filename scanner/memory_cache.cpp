#include "scanner/memory_cache.h"

#include <ares.h>
#include <malloc.h>
#include <openssl/crypto.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace tlsfleet::scanner {
namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 64;  // requests up to 1,024 bytes are served from the cache
constexpr std::size_t kMaxCached = kGranule * kClasses;
constexpr std::uint32_t kPerClass = 64;

struct FreeBlock {
  FreeBlock* next;
};

// Class c holds blocks of at least c * 16 usable bytes.
std::size_t class_of_request(std::size_t size) {
  return size == 0 ? 1 : (size + kGranule - 1) / kGranule;
}

// Trivially destructible, so it needs no guard to reach and outlives every destructor
// that may still free through it.
struct Slots {
  FreeBlock* head[kClasses + 1];
  std::uint32_t count[kClasses + 1];
  bool registered;  // the thread-exit drain is set up
  bool closed;      // the thread is ending: no more caching
};
thread_local Slots slots{};

void drain(Slots& s) {
  for (std::size_t c = 1; c <= kClasses; ++c) {
    while (FreeBlock* block = s.head[c]) {
      s.head[c] = block->next;
      std::free(block);
    }
    s.count[c] = 0;
  }
}

// Its destructor runs among the thread's C++ thread-local destructors, before the
// pthread-key destructors through which OpenSSL frees its per-thread state.
struct DrainAtExit {
  bool armed = false;
  ~DrainAtExit() {
    slots.closed = true;
    drain(slots);
  }
};
thread_local DrainAtExit drain_at_exit;

// Caches a block that holds at least c * 16 bytes, or frees it.
void release(void* block, std::size_t c) {
  if (kMemoryCacheKeepsBlocks && !slots.closed && c >= 1 && c <= kClasses &&
      slots.count[c] < kPerClass) {
    if (!slots.registered) {
      slots.registered = true;
      // The first use on this thread constructs it, which registers its destructor.
      drain_at_exit.armed = true;
    }
    auto* free_block = static_cast<FreeBlock*>(block);
    free_block->next = slots.head[c];
    slots.head[c] = free_block;
    ++slots.count[c];
    return;
  }
  std::free(block);
}

// The OpenSSL and c-ares signatures.
void* openssl_alloc(std::size_t size, const char*, int) { return cache_malloc(size); }
void* openssl_realloc(void* block, std::size_t size, const char*, int) {
  return cache_realloc(block, size);
}
void openssl_free(void* block, const char*, int) { cache_free(block); }

}  // namespace

void* cache_malloc(std::size_t size) {
  if (size > kMaxCached) return std::malloc(size);
  const std::size_t c = class_of_request(size);
  if (FreeBlock* block = slots.head[c]) {
    slots.head[c] = block->next;
    --slots.count[c];
    return block;
  }
  // Asked for the whole class, so the block can serve any request of its class again.
  return std::malloc(c * kGranule);
}

void cache_free(void* block) {
  if (block == nullptr) return;
  if (!kMemoryCacheKeepsBlocks) {
    std::free(block);
    return;
  }
  // glibc's usable sizes are 16k + 8 bytes (k >= 1) below mmap sizes: class k. Reading it
  // touches the next chunk's header too, which is why sized frees skip it.
  release(block, malloc_usable_size(block) / kGranule);
}

void cache_free_sized(void* block, std::size_t size) {
  if (block == nullptr) return;
  // cache_malloc(size) gave a block of the whole class, or malloc's for a larger size.
  release(block, size > kMaxCached ? 0 : class_of_request(size));
}

void* cache_realloc(void* block, std::size_t size) {
  if (block == nullptr) return cache_malloc(size);
  if (size == 0) {
    cache_free(block);
    return nullptr;
  }
  const std::size_t usable = malloc_usable_size(block);
  if (usable > kMaxCached + kGranule || size > kMaxCached) {
    return std::realloc(block, size);  // malloc's block either way
  }
  if (size <= usable) return block;  // a small block that still fits
  void* fresh = cache_malloc(size);
  if (fresh == nullptr) return nullptr;  // the old block stays valid, as with realloc
  std::memcpy(fresh, block, usable);
  cache_free(block);
  return fresh;
}

std::size_t cached_blocks() {
  std::size_t total = 0;
  for (std::uint32_t count : slots.count) total += count;
  return total;
}

std::size_t cached_blocks(std::size_t size) {
  return size > kMaxCached ? 0 : slots.count[class_of_request(size)];
}

bool install_library_allocators() {
  const bool openssl =
      CRYPTO_set_mem_functions(&openssl_alloc, &openssl_realloc, &openssl_free) == 1;
  const bool cares = ares_library_init_mem(ARES_LIB_INIT_ALL, &cache_malloc, &cache_free,
                                           &cache_realloc) == ARES_SUCCESS;
  return openssl && cares;
}

}  // namespace tlsfleet::scanner
