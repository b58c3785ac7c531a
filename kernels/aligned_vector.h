#pragma once
// Vectors whose storage starts on a cache line. Large blocks from malloc start 16 bytes into a
// page, so every 64-byte vector load and store of a row split two cache lines: activations and
// scratch live in these instead (INT8 GEMMs into aligned outputs ran up to 4% faster). Blocks of
// 2 MB and more are also in huge pages (kernels/block_memory.h).
#include <cstddef>
#include <cstdlib>
#include <vector>

#include "kernels/block_memory.h"

namespace embed::kernels {

inline constexpr size_t kCacheLineBytes = 64;

template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  constexpr CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}
  T* allocate(size_t count) { return static_cast<T*>(allocate_block(count * sizeof(T))); }
  void deallocate(T* p, size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace embed::kernels
