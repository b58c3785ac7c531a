#include "kernels/block_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace embed::kernels {

void* allocate_block(size_t bytes) {
  if (bytes == 0) return nullptr;
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t alignment = bytes >= kHugePage ? kHugePage : 64;
  void* data = nullptr;
  if (::posix_memalign(&data, alignment, bytes) != 0) throw std::bad_alloc();
  // Advice that is refused (THP disabled) leaves ordinary pages: nothing to report.
  if (alignment == kHugePage) ::madvise(data, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);
  return data;
}

std::shared_ptr<std::byte[]> allocate_shared_block(size_t bytes) {
  return std::shared_ptr<std::byte[]>(static_cast<std::byte*>(allocate_block(bytes)), std::free);
}

}  // namespace embed::kernels
