#include <iostream>
#include <new>

#include "scanner/cli.h"
#include "scanner/memory_cache.h"

// C++ allocations through the per-thread cache too (scanner/memory_cache.h says why): a
// DNS-only sweep makes some fifteen of them per name. Not under the sanitizers, which
// track new and delete themselves (ASan reports a delete of malloc's memory, for one).
#if !defined(TLSFLEET_ASAN) && !defined(TLSFLEET_TSAN)
void* operator new(std::size_t size) {
  if (void* block = tlsfleet::scanner::cache_malloc(size)) return block;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return tlsfleet::scanner::cache_malloc(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return tlsfleet::scanner::cache_malloc(size);
}
void operator delete(void* block) noexcept { tlsfleet::scanner::cache_free(block); }
void operator delete[](void* block) noexcept { tlsfleet::scanner::cache_free(block); }
void operator delete(void* block, std::size_t size) noexcept {
  tlsfleet::scanner::cache_free_sized(block, size);
}
void operator delete[](void* block, std::size_t size) noexcept {
  tlsfleet::scanner::cache_free_sized(block, size);
}
void operator delete(void* block, const std::nothrow_t&) noexcept {
  tlsfleet::scanner::cache_free(block);
}
void operator delete[](void* block, const std::nothrow_t&) noexcept {
  tlsfleet::scanner::cache_free(block);
}
#endif

int main(int argc, char** argv) {
  // Before OpenSSL or c-ares allocates anything.
  tlsfleet::scanner::install_library_allocators();
  // Targets may stream in on stdin by the million: read it through the stream buffer,
  // not C stdio one getc() at a time.
  std::ios::sync_with_stdio(false);
  return tlsfleet::scanner::run_cli(argc, argv);
}
