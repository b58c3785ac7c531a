#pragma once
// Small reductions over vectors (pooling, normalisation, scores): accumulated in double, since
// they run once per output vector and exactness beats speed there.
#include <cstddef>

namespace embed::kernels {

float dot(const float* a, const float* b, size_t n);

// Each row divided by max(‖row‖₂, 1e-12), as torch.nn.functional.normalize does.
void l2_normalize_rows(float* x, size_t rows, size_t cols);

}  // namespace embed::kernels
