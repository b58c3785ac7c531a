#pragma once
#include <cstddef>

namespace embed::kernels {

// y[i] += x[i]
void add(float* y, const float* x, size_t n);

// y[r][c] += bias[c] for every row r.
void add_bias_rows(float* y, const float* bias, size_t rows, size_t cols);

}  // namespace embed::kernels
