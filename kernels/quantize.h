#pragma once
#include <cstddef>
#include <cstdint>

namespace embed::kernels {

// Levels of a per-row quantization: each row's values x become round(x / scale) (by the
// reciprocal, as below) within [-negative, positive], scale = max(max x / positive, max -x /
// negative), stored as that plus zero_point. Symmetric (positive = negative) but for inputs known
// to be skewed, such as GELU's.
struct QuantizationLevels {
  int positive, negative, zero_point;
};

// Symmetric per-row INT8 quantization: for each row r, scales[r] = max|x[r]| / 127 and
// q[r][c] = round-half-even(x[r][c] · (127 / max|x[r]|)), within [-127, 127], so that
// x ≈ q · scale. Multiplying by the reciprocal (rather than dividing by the scale) keeps the pass
// cheap and is reproduced exactly by a scalar loop doing the same float operations. A row whose
// max|x| is below 1e-30 (all zeros included) gets q = 0 and scale 1, so no scale is ever 0, NaN
// or Inf. x must be finite. Parallel over rows when large.
void quantize_rows_symmetric(const float* x, size_t rows, size_t cols, int8_t* q, float* scales);

}  // namespace embed::kernels
