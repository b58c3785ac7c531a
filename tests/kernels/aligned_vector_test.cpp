// AlignedVector: storage starts on a cache line at every size, through growth and copies.
#include "kernels/aligned_vector.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace embed::kernels {
namespace {

bool on_cache_line(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kCacheLineBytes == 0;
}

TEST(AlignedVector, StorageStartsOnACacheLine) {
  // Small sizes come from malloc's bins, large ones (like activations) from fresh mappings.
  for (size_t count : {1, 3, 17, 1000, 65537, 3 * 1024 * 1024 + 5}) {
    AlignedVector<float> floats(count, 1.0f);
    EXPECT_TRUE(on_cache_line(floats.data())) << count;
    AlignedVector<uint8_t> bytes(count);
    EXPECT_TRUE(on_cache_line(bytes.data())) << count;
    floats.resize(2 * count + 1);  // reallocates
    EXPECT_TRUE(on_cache_line(floats.data())) << count;
    EXPECT_EQ(floats[count - 1], 1.0f);
    const AlignedVector<float> copy = floats;
    EXPECT_TRUE(on_cache_line(copy.data())) << count;
  }
}

}  // namespace
}  // namespace embed::kernels
