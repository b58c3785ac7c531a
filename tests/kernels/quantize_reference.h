#pragma once
// Shared by the quantization suites: the scalar definition of per-row quantization that the SIMD
// kernel must reproduce exactly (kernels/quantize.h), at any levels.
#include <cmath>
#include <cstddef>
#include <vector>

namespace embed::kernels::test {

struct QuantizedRows {
  std::vector<int> q;  // in [-negative, positive]
  std::vector<float> scales;
};

// q within [-negative, positive]; the scale is set by the side needing the coarser step.
inline QuantizedRows reference_quantize(const float* x, size_t rows, size_t cols, int positive,
                                        int negative) {
  QuantizedRows out{std::vector<int>(rows * cols), std::vector<float>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    float highest = 0.0f, lowest = 0.0f;
    for (size_t c = 0; c < cols; ++c) {
      highest = std::fmax(highest, x[r * cols + c]);
      lowest = std::fmax(lowest, -x[r * cols + c]);
    }
    const bool by_negative = lowest * float(positive) > highest * float(negative);
    const float reach = by_negative ? lowest : highest;
    const float levels = float(by_negative ? negative : positive);
    const bool tiny = reach < 1e-30f;
    out.scales[r] = tiny ? 1.0f : reach / levels;
    const float inv = tiny ? 0.0f : levels / reach;
    for (size_t c = 0; c < cols; ++c) {
      const float v = std::nearbyint(x[r * cols + c] * inv);
      out.q[r * cols + c] =
          static_cast<int>(std::fmin(std::fmax(v, -float(negative)), float(positive)));
    }
  }
  return out;
}

inline QuantizedRows reference_quantize(const float* x, size_t rows, size_t cols, int levels) {
  return reference_quantize(x, rows, cols, levels, levels);
}

}  // namespace embed::kernels::test
