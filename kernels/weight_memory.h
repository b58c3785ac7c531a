#pragma once
// Memory for packed weights. A short query streams every weight byte from DRAM once per layer,
// and on 4 KB pages it also walks the page tables every 4 KB: in 2 MB pages the BGE-M3 INT8
// GEMMs at 16 rows ran 2-10% faster (alternating in one process).
#include <cstddef>
#include <memory>

namespace embed::kernels {

// bytes of uninitialised storage, aligned to 2 MB when at least that large, with its whole 2 MB
// pages advised as transparent huge pages (a hint: honoured where the kernel allows THP on
// request). The tail stays in 4 KB pages, so rounding costs no resident memory.
std::shared_ptr<std::byte[]> allocate_weight_memory(size_t bytes);

}  // namespace embed::kernels
