#pragma once
#include <cstddef>

namespace embed::kernels {

// y[r] = (x[r] - mean) / sqrt(var + eps) * gamma + beta for each row; two-pass variance.
// y may alias x.
void layer_norm(const float* x, const float* gamma, const float* beta, float eps, float* y,
                size_t rows, size_t cols);

}  // namespace embed::kernels
