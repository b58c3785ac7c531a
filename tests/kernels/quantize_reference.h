#pragma once
// Shared by the quantization suites: the scalar definition of symmetric per-row quantization that
// the SIMD kernel must reproduce exactly (kernels/quantize.h), at any number of levels.
#include <cmath>
#include <cstddef>
#include <vector>

namespace embed::kernels::test {

struct QuantizedRows {
  std::vector<int> q;  // in [-levels, levels]
  std::vector<float> scales;
};

inline QuantizedRows reference_quantize(const float* x, size_t rows, size_t cols, int levels) {
  QuantizedRows out{std::vector<int>(rows * cols), std::vector<float>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    float amax = 0.0f;
    for (size_t c = 0; c < cols; ++c) amax = std::fmax(amax, std::fabs(x[r * cols + c]));
    const bool tiny = amax < 1e-30f;
    out.scales[r] = tiny ? 1.0f : amax / static_cast<float>(levels);
    const float inv = tiny ? 0.0f : static_cast<float>(levels) / amax;
    for (size_t c = 0; c < cols; ++c) {
      const float v = std::nearbyint(x[r * cols + c] * inv);
      out.q[r * cols + c] =
          static_cast<int>(std::fmin(std::fmax(v, -float(levels)), float(levels)));
    }
  }
  return out;
}

}  // namespace embed::kernels::test
