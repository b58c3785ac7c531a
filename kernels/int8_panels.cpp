#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/block_memory.h"
#include "kernels/grown_buffer.h"
#include "kernels/panel_gemm.h"

namespace embed::kernels {

int32_t* panel_sums_scratch(size_t count) {
  thread_local AlignedVector<int32_t> sums;
  return grown(sums, count);
}

size_t Int8Panels::bytes() const {
  return (n + kPanelWidth - 1) / kPanelWidth * k_quads * kPanelStepBytes;
}

Int8Panels pack_int8_panels(const int8_t* w, size_t n, size_t k) {
  Int8Panels packed;
  packed.n = n;
  packed.k = k;
  packed.k_quads = (k + 3) / 4;
  const size_t bytes = packed.bytes();
  int8_t* data = static_cast<int8_t*>(allocate_block(bytes));
  packed.data = std::shared_ptr<int8_t[]>(data, std::free);
  if (bytes) std::memset(data, 0, bytes);
  // Written in order; the reads walk 64 weight rows at once, which stay in cache.
  for (size_t j0 = 0; j0 < n; j0 += kPanelWidth) {
    int8_t* panel = data + j0 / kPanelWidth * packed.k_quads * kPanelStepBytes;
    const size_t cols = std::min(kPanelWidth, n - j0);
    for (size_t q = 0; q < packed.k_quads; ++q) {
      int8_t* quad = panel + q * kPanelStepBytes;
      const int8_t* from = w + j0 * k + 4 * q;
      if (4 * q + 4 <= k) {  // a fixed-size copy compiles to one 32-bit move
        for (size_t c = 0; c < cols; ++c) std::memcpy(quad + 4 * c, from + c * k, 4);
      } else {
        for (size_t c = 0; c < cols; ++c) std::memcpy(quad + 4 * c, from + c * k, k - 4 * q);
      }
    }
  }
  return packed;
}

}  // namespace embed::kernels
