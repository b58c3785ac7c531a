// Packing of the panel GEMMs' weights, and their partial-sums scratch: the STL code that
// panel_gemm.cpp must not emit.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/block_memory.h"
#include "kernels/grown_buffer.h"
#include "kernels/panel_gemm.h"
#include "kernels/parallel.h"

namespace embed::kernels {
namespace {

size_t panel_count(size_t n) {
  return (n + kPanelWidth - 1) / kPanelWidth;
}

// Rows of `row_bytes` bytes, one per output channel, as panels whose steps hold 4 consecutive
// bytes of each of kPanelWidth channels (4 int8 inputs, or 2 bf16 ones); the padding is zero.
void* pack_lanes(const std::byte* w, size_t n, size_t row_bytes) {
  const size_t steps = (row_bytes + 3) / 4, panel_bytes = steps * kPanelStepBytes;
  auto* data = static_cast<std::byte*>(allocate_block(panel_count(n) * panel_bytes));
  // Panels in parallel: packing BGE-M3's weights on one thread was a fifth of its load time.
  parallel_ranges(panel_count(n), row_bytes * kPanelWidth, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      std::byte* panel = data + p * panel_bytes;
      const size_t j0 = p * kPanelWidth, cols = std::min(kPanelWidth, n - j0);
      // Only a panel with padding (missing channels, or a partial last step) needs zeros.
      if (cols < kPanelWidth || row_bytes % 4 != 0) std::memset(panel, 0, panel_bytes);
      // Written in order; the reads walk 64 weight rows at once, which stay in cache.
      for (size_t q = 0; q < steps; ++q) {
        std::byte* step = panel + q * kPanelStepBytes;
        const std::byte* from = w + j0 * row_bytes + 4 * q;
        if (4 * q + 4 <= row_bytes) {  // a fixed-size copy compiles to one 32-bit move
          for (size_t c = 0; c < cols; ++c) std::memcpy(step + 4 * c, from + c * row_bytes, 4);
        } else {
          for (size_t c = 0; c < cols; ++c)
            std::memcpy(step + 4 * c, from + c * row_bytes, row_bytes - 4 * q);
        }
      }
    }
  });
  return data;
}

}  // namespace

int32_t* panel_sums_scratch(size_t count) {
  thread_local AlignedVector<int32_t> sums;
  return grown(sums, count);
}

size_t Int8Panels::bytes() const {
  return panel_count(n) * k_quads * kPanelStepBytes;
}

Int8Panels pack_int8_panels(const int8_t* w, size_t n, size_t k) {
  Int8Panels packed;
  packed.n = n;
  packed.k = k;
  packed.k_quads = (k + 3) / 4;
  packed.data = std::shared_ptr<int8_t[]>(
      static_cast<int8_t*>(pack_lanes(reinterpret_cast<const std::byte*>(w), n, k)), std::free);
  return packed;
}

size_t Bf16Panels::bytes() const {
  return panel_count(n) * (k / 2) * kPanelStepBytes;
}

Bf16Panels pack_bf16_panels(const uint16_t* w, size_t n, size_t k) {
  if (k % 2 != 0)
    throw std::invalid_argument("bf16 panels need an even number of inputs, got " +
                                std::to_string(k));
  Bf16Panels packed;
  packed.n = n;
  packed.k = k;
  packed.data = std::shared_ptr<uint16_t[]>(
      static_cast<uint16_t*>(pack_lanes(reinterpret_cast<const std::byte*>(w), n, 2 * k)),
      std::free);
  return packed;
}

}  // namespace embed::kernels
