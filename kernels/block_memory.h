#pragma once
// Memory for large blocks: packed weights and activations. Both are read in long streams, and on
// 4 KB pages the walk through them also walks the page tables every 4 KB: packed weights in 2 MB
// pages ran BGE-M3 INT8 GEMMs at 16 rows 2-10% faster, activations and outputs in 2 MB pages ran
// INT8 GEMMs at 2048-4096 rows 1-4% faster (alternating in one process).
#include <cstddef>
#include <memory>

namespace embed::kernels {

// bytes of uninitialised storage starting on a cache line; at least 2 MB of it starts on a 2 MB
// boundary with its whole 2 MB pages advised as transparent huge pages (a hint: honoured where
// the kernel allows THP on request). The tail stays in 4 KB pages, so rounding costs no resident
// memory. nullptr for zero bytes; throws std::bad_alloc. Release with std::free.
void* allocate_block(size_t bytes);

// allocate_block's storage, owned.
std::shared_ptr<std::byte[]> allocate_shared_block(size_t bytes);

}  // namespace embed::kernels
