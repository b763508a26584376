// OpenSSL's allocations through a small per-thread cache.
//
// A handshake makes OpenSSL allocate and free some two thousand small blocks. glibc keeps
// seven freed blocks of each size per thread (tcache); past that, malloc and free take the
// arena's lock, which a process with threads (every scan: the workers and the target
// reader) pays on every call, unlike a single-threaded client. callgrind, basic depth, the
// benchmark's nginx, one worker: 8.247 M instructions per endpoint with glibc alone, 8.073 M
// with glibc.malloc.tcache_count=100 (set from the environment), against 8.10 M for the
// one-process bare-OpenSSL client. This cache keeps up to 64 freed blocks of each 16-byte
// size class up to 1 KiB per thread (2.2 MB at most), in front of malloc, for OpenSSL's
// blocks only.
//
// Each block carries a 16-byte header (its requested size and class) before the pointer
// OpenSSL gets, so payloads keep malloc's 16-byte alignment. A block freed on another
// thread than the one that allocated it joins the freeing thread's cache: it is plain
// memory from malloc either way. A thread's cached blocks are returned to malloc when it
// ends; frees after that (OpenSSL's own thread and process clean-up) go straight to free.
// Under AddressSanitizer nothing is cached, so a use after free is still caught.
#pragma once

#include <cstddef>

namespace tlsfleet::tls {

// Routes OpenSSL's allocations through the cache. Must run before OpenSSL allocates
// anything (first thing in main); returns false, and changes nothing, when it is too late.
bool install_openssl_memory();

// The functions install_openssl_memory() hands to CRYPTO_set_mem_functions, exposed for
// the unit tests. Their contract is malloc's, realloc's and free's.
void* openssl_memory_alloc(std::size_t size, const char* file, int line);
void* openssl_memory_realloc(void* block, std::size_t size, const char* file, int line);
void openssl_memory_free(void* block, const char* file, int line);

// Blocks in the calling thread's cache (for tests).
std::size_t openssl_memory_cached();

}  // namespace tlsfleet::tls
