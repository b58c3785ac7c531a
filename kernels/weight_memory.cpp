#include "kernels/weight_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace embed::kernels {

std::shared_ptr<std::byte[]> allocate_weight_memory(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t alignment = bytes >= kHugePage ? kHugePage : 64;
  void* data = nullptr;
  if (posix_memalign(&data, alignment, bytes > 0 ? bytes : 1) != 0) throw std::bad_alloc();
  // Before the first touch, so that the zeroing below already faults in huge pages. Only a hint:
  // its failure leaves ordinary pages.
  if (alignment == kHugePage) madvise(data, bytes, MADV_HUGEPAGE);
  std::memset(data, 0, bytes);
  return {static_cast<std::byte*>(data), [](std::byte* p) { std::free(p); }};
}

}  // namespace embed::kernels
