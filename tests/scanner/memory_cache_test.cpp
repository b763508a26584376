// The per-thread cache in front of malloc (scanner/memory_cache.h): malloc's, realloc's and
// free's contract at every size edge, reuse of freed blocks, blocks passing between the
// cache and malloc/free in both directions, frees from another thread, and a thread's
// cache emptied when it ends. The functions are called directly: the test binaries do not
// install them (the tlsfleet binary does, and the integration tests run it).
#include "scanner/memory_cache.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace tlsfleet::scanner {
namespace {

void* alloc(std::size_t n) { return cache_malloc(n); }
void* grow(void* p, std::size_t n) { return cache_realloc(p, n); }
void release(void* p) { cache_free(p); }

void fill(void* p, std::size_t n, unsigned char seed) {
  auto* bytes = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<unsigned char>(seed + i);
}

bool holds(const void* p, std::size_t n, unsigned char seed) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (bytes[i] != static_cast<unsigned char>(seed + i)) return false;
  }
  return true;
}

constexpr bool kCaching = kMemoryCacheKeepsBlocks;

TEST(MemoryCache, EverySizeIsAlignedWritableAndDistinct) {
  std::vector<void*> blocks;
  for (std::size_t n : {0, 1, 15, 16, 17, 1023, 1024, 1025, 4096, 100000}) {
    void* p = alloc(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u) << n;
    fill(p, n, static_cast<unsigned char>(n));
    blocks.push_back(p);
  }
  size_t i = 0;
  for (std::size_t n : {0, 1, 15, 16, 17, 1023, 1024, 1025, 4096, 100000}) {
    EXPECT_TRUE(holds(blocks[i++], n, static_cast<unsigned char>(n))) << "block of " << n;
  }
  for (void* p : blocks) release(p);
  release(nullptr);  // a no-op, as free(NULL)
}

TEST(MemoryCache, FreedSmallBlocksAreReusedOnTheSameThread) {
  std::size_t before = cached_blocks();
  void* p = alloc(40);
  const std::size_t class_size = malloc_usable_size(p) / 16 * 16;
  release(p);
  if (!kCaching) {
    EXPECT_EQ(cached_blocks(), before);
    return;
  }
  EXPECT_EQ(cached_blocks(), before + 1);
  // The class a freed block joins follows what malloc made of it (usually 33-48 bytes;
  // more when malloc handed out a larger chunk): ask for that class's largest size.
  void* q = alloc(class_size);
  EXPECT_EQ(q, p);
  EXPECT_EQ(cached_blocks(), before);
  void* large = alloc(5000);  // past the cached sizes: straight to malloc and back
  release(large);
  EXPECT_EQ(cached_blocks(), before);
  release(q);
}

TEST(MemoryCache, BlocksPassToAndFromMallocAndFree) {
  // No header of its own: malloc's blocks may be freed into the cache and the cache's
  // blocks may be freed with free(), at every size.
  for (std::size_t n : {1, 24, 25, 100, 1000, 1024, 1025, 70000}) {
    void* from_malloc = std::malloc(n);
    ASSERT_NE(from_malloc, nullptr);
    fill(from_malloc, n, 5);
    release(from_malloc);
    void* mine = alloc(n);
    ASSERT_NE(mine, nullptr);
    fill(mine, n, 9);
    EXPECT_TRUE(holds(mine, n, 9));
    std::free(mine);
  }
  // A block malloc returned for 24 bytes has 24 usable (or more, if malloc had no exact
  // fit): the cache may hand it out again for its class's sizes, not for the next class.
  void* small = std::malloc(24);
  const std::size_t class_size = malloc_usable_size(small) / 16 * 16;
  std::size_t before = cached_blocks();
  release(small);
  if (kCaching) {
    EXPECT_EQ(cached_blocks(), before + 1);
    void* bigger = alloc(class_size + 1);
    EXPECT_NE(bigger, small);
    EXPECT_GE(malloc_usable_size(bigger), class_size + 1);
    void* same = alloc(class_size);
    EXPECT_EQ(same, small);
    release(bigger);
    release(same);
  }
}

TEST(MemoryCache, ASizedFreeFilesTheBlockByItsSize) {
  std::size_t before = cached_blocks();
  void* p = alloc(100);  // class 7: 97-112 bytes
  cache_free_sized(p, 100);
  void* large = alloc(3000);
  cache_free_sized(large, 3000);  // past the cached sizes: to free()
  cache_free_sized(nullptr, 10);
  if (!kCaching) {
    EXPECT_EQ(cached_blocks(), before);
    return;
  }
  EXPECT_EQ(cached_blocks(), before + 1);
  void* q = alloc(112);
  EXPECT_EQ(q, p);
  EXPECT_GE(malloc_usable_size(q), 112u);
  cache_free_sized(q, 112);
  // Every size, allocated and freed by size, comes back able to hold what is asked.
  for (std::size_t n = 0; n <= 1100; ++n) {
    void* r = alloc(n);
    ASSERT_GE(malloc_usable_size(r), n);
    fill(r, n, 1);
    cache_free_sized(r, n);
  }
}

TEST(MemoryCache, EveryBlockHoldsWhatWasAskedFor) {
  for (std::size_t n = 0; n <= 1100; ++n) {
    void* p = alloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_GE(malloc_usable_size(p), n);
    fill(p, n, static_cast<unsigned char>(n));
    EXPECT_TRUE(holds(p, n, static_cast<unsigned char>(n)));
    release(p);
  }
}

TEST(MemoryCache, TheCacheOfAClassIsBounded) {
  std::vector<void*> blocks;
  for (int i = 0; i < 500; ++i) blocks.push_back(alloc(200));
  for (void* p : blocks) release(p);
  // A block malloc made larger than asked for files into a higher class, so the bound is
  // per class: at most 64 in any, and up to 31 more gathering into a batch for the depot.
  EXPECT_LE(cached_blocks(200), 95u);
  for (std::size_t size = 16; size <= 1024; size += 16) EXPECT_LE(cached_blocks(size), 95u);
  if (kCaching) {
    EXPECT_GT(cached_blocks(200), 0u);
  }
}

TEST(MemoryCache, ReallocKeepsTheContentAcrossEveryKindOfMove) {
  // Within a class, from a class to a larger one, from cached to large, large to large,
  // and back down to a cached size.
  std::size_t sizes[] = {10, 16, 17, 700, 1024, 1025, 3000, 200000, 900, 5};
  void* p = grow(nullptr, sizes[0]);  // realloc(NULL, n) is malloc
  ASSERT_NE(p, nullptr);
  fill(p, sizes[0], 7);
  for (std::size_t k = 1; k < std::size(sizes); ++k) {
    std::size_t kept = std::min(sizes[k - 1], sizes[k]);
    p = grow(p, sizes[k]);
    ASSERT_NE(p, nullptr) << sizes[k];
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
    EXPECT_TRUE(holds(p, kept, 7)) << sizes[k - 1] << " -> " << sizes[k];
    fill(p, sizes[k], 7);
  }
  EXPECT_EQ(grow(p, 0), nullptr);  // realloc to 0 frees
}

TEST(MemoryCache, ABlockFreedOnAnotherThreadJoinsThatThreadsCache) {
  void* p = alloc(100);
  const std::size_t class_size = malloc_usable_size(p) / 16 * 16;
  fill(p, 100, 3);
  std::size_t cached_there = 0;
  void* reused = nullptr;
  std::thread other([&] {
    EXPECT_TRUE(holds(p, 100, 3));
    release(p);
    cached_there = cached_blocks();
    reused = alloc(class_size);
    release(reused);
  });
  other.join();
  if (kCaching) {
    EXPECT_EQ(cached_there, 1u);
    EXPECT_EQ(reused, p);
  }
}

TEST(MemoryCache, BlocksOneThreadFreesPastItsBoundServeAnotherThroughTheDepot) {
  // The target reader's pattern: one thread allocates, another frees. 1,000 blocks of 900
  // bytes (class 57, which no other test here fills) are freed on a second thread; what
  // is past its own bound goes to the depot in batches of 32, and a third thread, whose
  // cache of that class is empty, gets those blocks back instead of malloc's.
  constexpr std::size_t kSize = 900;
  // Whatever other tests of this binary left in the depot of this class goes first.
  std::thread emptying([] {
    while (depot_blocks(kSize) > 0) std::free(alloc(kSize));
  });
  emptying.join();
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) {
    blocks.push_back(alloc(kSize));
    fill(blocks.back(), kSize, 4);
  }
  std::thread freeing([&] {
    for (void* p : blocks) cache_free_sized(p, kSize);
  });
  freeing.join();
  std::size_t depot_after = depot_blocks(kSize);
  if (!kCaching) {
    EXPECT_EQ(depot_after, 0u);
    return;
  }
  // 128 KiB of 912-byte blocks is 4 batches of 32: the depot takes that many, the rest
  // of the 936 blocks past the freeing thread's 64 went back to free().
  EXPECT_EQ(depot_after, 4u * 32u);
  std::vector<void*> reused;
  std::size_t from_freed = 0;
  std::thread taking([&] {
    for (int i = 0; i < 128; ++i) reused.push_back(alloc(kSize));
    for (void* p : reused) {
      EXPECT_GE(malloc_usable_size(p), kSize);
      from_freed += std::find(blocks.begin(), blocks.end(), p) != blocks.end();
    }
    EXPECT_EQ(depot_blocks(kSize), 0u);
    for (void* p : reused) cache_free_sized(p, kSize);
  });
  taking.join();
  EXPECT_EQ(from_freed, 128u);
}

TEST(MemoryCache, TheDepotIsBoundedPerClass) {
  // 10,000 blocks of 32 bytes freed on another thread: the depot keeps 128 KiB of them
  // (4,096), the rest go back to malloc.
  std::vector<void*> blocks;
  for (int i = 0; i < 10000; ++i) blocks.push_back(alloc(32));
  std::thread freeing([&] {
    for (void* p : blocks) cache_free_sized(p, 32);
  });
  freeing.join();
  EXPECT_LE(depot_blocks(32), 4096u);
  if (kCaching) {
    EXPECT_GE(depot_blocks(32), 4096u - 32u);
  }
}

TEST(MemoryCache, AThreadsCacheIsEmptiedWhenItEnds) {
  // Four threads each leave some 33 KB of blocks in their cache and end. Were the caches
  // not handed back to malloc, the heap in use would grow by some 130 KB.
  std::size_t in_use_before = mallinfo2().uordblks;
  for (int round = 0; round < 4; ++round) {
    std::thread worker([] {
      std::vector<void*> blocks;
      for (int i = 0; i < 64; ++i) blocks.push_back(alloc(static_cast<std::size_t>(i * 16)));
      for (void* p : blocks) release(p);
      if (kCaching) {
        EXPECT_GT(cached_blocks(), 0u);
      }
    });
    worker.join();
  }
  std::size_t in_use_after = mallinfo2().uordblks;
  EXPECT_LT(in_use_after, in_use_before + 32 * 1024) << in_use_before << " -> " << in_use_after;
}

}  // namespace
}  // namespace tlsfleet::scanner
