#include "tls/openssl_memory.h"

#include <openssl/crypto.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace tlsfleet::tls {
namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 64;  // payloads up to 1,024 bytes are cached
constexpr std::size_t kMaxCached = kGranule * kClasses;
constexpr std::uint32_t kPerClass = 64;
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCaching = false;  // every free reaches ASan, which catches reuse
#else
constexpr bool kCaching = true;
#endif

// Before every block. Class 0: not cached (larger than kMaxCached).
struct alignas(16) Header {
  std::size_t size;  // what the caller asked for
  std::size_t size_class;
};
static_assert(sizeof(Header) == 16);

struct FreeBlock {
  FreeBlock* next;
};

void* payload(Header* header) { return header + 1; }
Header* header_of(void* block) { return static_cast<Header*>(block) - 1; }

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
      std::free(header_of(block));
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

std::size_t class_of(std::size_t size) { return size == 0 ? 1 : (size + kGranule - 1) / kGranule; }

void* allocate(std::size_t size) {
  if (size <= kMaxCached) {
    std::size_t c = class_of(size);
    if (FreeBlock* block = slots.head[c]) {
      slots.head[c] = block->next;
      --slots.count[c];
      header_of(block)->size = size;
      return block;
    }
    auto* header = static_cast<Header*>(std::malloc(sizeof(Header) + c * kGranule));
    if (header == nullptr) return nullptr;
    header->size = size;
    header->size_class = c;
    return payload(header);
  }
  if (size > SIZE_MAX - sizeof(Header)) return nullptr;
  auto* header = static_cast<Header*>(std::malloc(sizeof(Header) + size));
  if (header == nullptr) return nullptr;
  header->size = size;
  header->size_class = 0;
  return payload(header);
}

void release(void* block) {
  if (block == nullptr) return;
  Header* header = header_of(block);
  std::size_t c = header->size_class;
  if (kCaching && c != 0 && !slots.closed && slots.count[c] < kPerClass) {
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
  std::free(header);
}

}  // namespace

void* openssl_memory_alloc(std::size_t size, const char*, int) { return allocate(size); }

void* openssl_memory_realloc(void* block, std::size_t size, const char*, int) {
  if (block == nullptr) return allocate(size);
  if (size == 0) {
    release(block);
    return nullptr;
  }
  Header* header = header_of(block);
  std::size_t c = header->size_class;
  if (c != 0 && size <= c * kGranule) {
    header->size = size;  // still fits its class
    return block;
  }
  if (c == 0 && size > kMaxCached) {
    if (size > SIZE_MAX - sizeof(Header)) return nullptr;
    auto* moved = static_cast<Header*>(std::realloc(header, sizeof(Header) + size));
    if (moved == nullptr) return nullptr;
    moved->size = size;
    return payload(moved);
  }
  void* fresh = allocate(size);
  if (fresh == nullptr) return nullptr;  // the old block stays valid, as with realloc
  std::memcpy(fresh, block, header->size < size ? header->size : size);
  release(block);
  return fresh;
}

void openssl_memory_free(void* block, const char*, int) { release(block); }

std::size_t openssl_memory_cached() {
  std::size_t total = 0;
  for (std::uint32_t count : slots.count) total += count;
  return total;
}

bool install_openssl_memory() {
  return CRYPTO_set_mem_functions(&openssl_memory_alloc, &openssl_memory_realloc,
                                  &openssl_memory_free) == 1;
}

}  // namespace tlsfleet::tls
