#pragma once
#include <cstddef>

namespace embed::kernels {

// Numerically stable softmax of each row of x[rows][cols], in place.
void softmax_rows(float* x, size_t rows, size_t cols);

}  // namespace embed::kernels
