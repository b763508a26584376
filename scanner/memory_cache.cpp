#include "scanner/memory_cache.h"

#include <ares.h>
#include <malloc.h>
#include <openssl/crypto.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tlsfleet::scanner {
namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 64;  // requests up to 1,024 bytes are served from the cache
constexpr std::size_t kMaxCached = kGranule * kClasses;
constexpr std::uint32_t kPerClass = 64;  // a thread's own blocks of one class
constexpr std::uint32_t kBatch = 32;     // blocks moved to or from the depot at once
// The depot holds at most this many bytes of one class (8 MiB over all 64).
constexpr std::size_t kDepotBytesPerClass = 128 * 1024;

// Every cached block has at least 16 usable bytes (class 1 and up): room for both links.
struct FreeBlock {
  FreeBlock* next;        // the next block of the same list or batch
  FreeBlock* next_batch;  // in the depot, on a batch's first block: the next batch
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
  // Blocks freed while head's list was full, gathering into a batch for the depot.
  FreeBlock* spill[kClasses + 1];
  std::uint32_t spilled[kClasses + 1];
  bool registered;  // the thread-exit drain is set up
  bool closed;      // the thread is ending: no more caching
};
thread_local Slots slots{};

// Batches of kBatch blocks that threads freed past their own bound, for threads that
// allocate more than they free: a scan's target reader allocates the names and ports the
// workers free. Without it such blocks went back to malloc on the freeing thread (taking
// the allocating thread's arena lock) while the allocating thread's cache stayed empty
// and every allocation there took malloc's slow path. One lock per batch.
struct Depot {
  std::mutex lock;
  FreeBlock* batches = nullptr;
  std::size_t count = 0;
};
// constexpr-constructed and trivially destructible (libstdc++'s mutex on Linux), so it is
// usable before main and after exit.
Depot depots[kClasses + 1];

constexpr std::size_t depot_capacity(std::size_t c) {
  return kDepotBytesPerClass / (c * kGranule * kBatch);
}

void free_list(FreeBlock* block) {
  while (block != nullptr) {
    FreeBlock* next = block->next;
    std::free(block);
    block = next;
  }
}

void drain(Slots& s) {
  for (std::size_t c = 1; c <= kClasses; ++c) {
    free_list(s.head[c]);
    free_list(s.spill[c]);
    s.head[c] = s.spill[c] = nullptr;
    s.count[c] = s.spilled[c] = 0;
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

// The first cached block on a thread sets up the return of its blocks when it ends.
void register_drain() {
  if (!slots.registered) {
    slots.registered = true;
    // The first use on this thread constructs it, which registers its destructor.
    drain_at_exit.armed = true;
  }
}

// Hands a full batch to the depot, or back to malloc when the depot holds enough.
void to_depot(FreeBlock* batch, std::size_t c) {
  Depot& depot = depots[c];
  {
    std::lock_guard<std::mutex> hold(depot.lock);
    if (depot.count < depot_capacity(c)) {
      batch->next_batch = depot.batches;
      depot.batches = batch;
      ++depot.count;
      return;
    }
  }
  free_list(batch);
}

// A batch from the depot (its blocks linked by next), or null.
FreeBlock* from_depot(std::size_t c) {
  Depot& depot = depots[c];
  std::lock_guard<std::mutex> hold(depot.lock);
  FreeBlock* batch = depot.batches;
  if (batch != nullptr) {
    depot.batches = batch->next_batch;
    --depot.count;
  }
  return batch;
}

// Caches a block that holds at least c * 16 bytes, or frees it.
void release(void* block, std::size_t c) {
  if (!kMemoryCacheKeepsBlocks || slots.closed || c < 1 || c > kClasses) {
    std::free(block);
    return;
  }
  register_drain();
  auto* free_block = static_cast<FreeBlock*>(block);
  if (slots.count[c] < kPerClass) {
    free_block->next = slots.head[c];
    slots.head[c] = free_block;
    ++slots.count[c];
    return;
  }
  free_block->next = slots.spill[c];
  slots.spill[c] = free_block;
  if (++slots.spilled[c] == kBatch) {
    slots.spill[c] = nullptr;
    slots.spilled[c] = 0;
    to_depot(free_block, c);
  }
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
  if (FreeBlock* block = slots.spill[c]) {
    slots.spill[c] = block->next;
    --slots.spilled[c];
    return block;
  }
  if (kMemoryCacheKeepsBlocks && !slots.closed) {
    if (FreeBlock* batch = from_depot(c)) {
      // The rest of the batch becomes this thread's list (its list was empty).
      slots.head[c] = batch->next;
      slots.count[c] = kBatch - 1;
      register_drain();
      return batch;
    }
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
  for (std::size_t c = 1; c <= kClasses; ++c) total += slots.count[c] + slots.spilled[c];
  return total;
}

std::size_t cached_blocks(std::size_t size) {
  if (size > kMaxCached) return 0;
  const std::size_t c = class_of_request(size);
  return slots.count[c] + slots.spilled[c];
}

std::size_t depot_blocks(std::size_t size) {
  if (size > kMaxCached) return 0;
  Depot& depot = depots[class_of_request(size)];
  std::lock_guard<std::mutex> hold(depot.lock);
  return depot.count * kBatch;
}

bool install_library_allocators() {
  const bool openssl =
      CRYPTO_set_mem_functions(&openssl_alloc, &openssl_realloc, &openssl_free) == 1;
  const bool cares = ares_library_init_mem(ARES_LIB_INIT_ALL, &cache_malloc, &cache_free,
                                           &cache_realloc) == ARES_SUCCESS;
  return openssl && cares;
}

}  // namespace tlsfleet::scanner
