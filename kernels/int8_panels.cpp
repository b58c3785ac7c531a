#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/block_memory.h"
#include "kernels/grown_buffer.h"
#include "kernels/panel_gemm.h"
#include "kernels/parallel.h"

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
  const size_t panel_bytes = packed.k_quads * kPanelStepBytes;
  // Panels in parallel: packing BGE-M3's weights on one thread was a fifth of its load time.
  parallel_ranges((n + kPanelWidth - 1) / kPanelWidth, k * kPanelWidth, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      int8_t* panel = data + p * panel_bytes;
      const size_t j0 = p * kPanelWidth, cols = std::min(kPanelWidth, n - j0);
      // Only a panel with padding (missing channels, or k not a multiple of 4) needs zeros.
      if (cols < kPanelWidth || k % 4 != 0) std::memset(panel, 0, panel_bytes);
      // Written in order; the reads walk 64 weight rows at once, which stay in cache.
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
  });
  return packed;
}

}  // namespace embed::kernels
