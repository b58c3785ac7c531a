#pragma once
// Internal to kernels/: memory for packed weights. Short inputs stream every weight from memory
// once per layer; on 4 KB pages that is a TLB miss every 4 KB. Buffers are 2 MB aligned and
// advised for transparent huge pages: 1.04-1.06x for 16-row INT8 GEMMs with weights in memory
// (alternating in one process); end to end at 1×16 on the BGE-M3 shape FP32 gained 3%, INT8 stayed
// within noise. Where the kernel gives no huge pages, they are plain pages.
#include <cstddef>
#include <memory>

namespace embed::kernels {

// `bytes` zeroed bytes, 64-byte aligned at least. Throws std::bad_alloc.
std::shared_ptr<std::byte[]> allocate_weight_memory(size_t bytes);

}  // namespace embed::kernels
