// A small per-thread cache of freed blocks in front of malloc, for the allocations a scan
// makes by the thousand per endpoint: OpenSSL's (some two thousand per handshake), c-ares'
// (about ten per lookup) and C++ new/delete (the tlsfleet binary replaces the global
// operators with these, scanner/main.cpp).
//
// Why: glibc keeps seven freed blocks of each size per thread (tcache); past that, malloc
// and free take the arena's lock, which a process with threads (every scan: the workers
// and the target reader) pays on every call, unlike a single-threaded client. callgrind,
// basic depth, the benchmark's nginx, one worker: 8.247 M instructions per endpoint with
// glibc alone, 8.073 M with glibc.malloc.tcache_count=100 (set from the environment),
// against 8.10 M for the one-process bare-OpenSSL client. The cache keeps up to 64 freed
// blocks of each 16-byte size class up to 1 KiB per thread, and up to 31 more gathering
// into a batch of 32 (at most 3.2 MB a thread).
//
// Blocks that one thread frees and another allocates (the target reader allocates each
// name's strings, a worker frees them) pass through a depot shared by all threads: a
// thread past its bound hands a batch of 32 there, a thread with none of a class takes
// one, one lock per batch. The depot keeps at most 128 KiB of each class (8 MiB in all);
// past that, blocks go back to free().
//
// The blocks are malloc's, with no header of their own: a freed block's class comes from
// malloc_usable_size (glibc), so any block from malloc may be freed here and any block
// from here may be freed by free(). A block freed on another thread than the one that
// allocated it joins the freeing thread's cache. A thread's cached blocks go back to
// malloc when it ends (the depot's stay, for the other threads); frees after that
// (OpenSSL's own thread and process clean-up) go straight to free. Under
// AddressSanitizer nothing is cached, so a use after free is still caught.
#pragma once

#include <cstddef>

// The sanitizers track allocations themselves. GCC says so with __SANITIZE_*__, clang (14)
// only through __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define TLSFLEET_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TLSFLEET_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TLSFLEET_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TLSFLEET_TSAN 1
#endif
#endif

namespace tlsfleet::scanner {

// Whether freed blocks are kept: not under AddressSanitizer, so every free reaches it and a
// use after free is still caught.
#if defined(TLSFLEET_ASAN)
inline constexpr bool kMemoryCacheKeepsBlocks = false;
#else
inline constexpr bool kMemoryCacheKeepsBlocks = true;
#endif

// malloc's, realloc's and free's contract (realloc to 0 frees and returns nullptr, as
// OpenSSL expects). Every block is 16-byte aligned.
void* cache_malloc(std::size_t size);
void* cache_realloc(void* block, std::size_t size);
void cache_free(void* block);
// free() for a block that cache_malloc(size) returned, with that size: the class comes
// from the size, without reading malloc's bookkeeping (C++'s sized delete).
void cache_free_sized(void* block, std::size_t size);

// Blocks in the calling thread's cache (for tests): all of them, or those of the class
// that serves requests of `size` bytes.
std::size_t cached_blocks();
std::size_t cached_blocks(std::size_t size);
// Blocks in the shared depot that serve requests of `size` bytes (for tests).
std::size_t depot_blocks(std::size_t size);

// Routes OpenSSL's and c-ares' allocations through the cache. Must run before either
// allocates anything (first thing in main); returns false when it was too late for one of
// them (that library then keeps malloc, which is still correct).
bool install_library_allocators();

}  // namespace tlsfleet::scanner
