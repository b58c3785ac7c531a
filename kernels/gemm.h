#pragma once
#include <cstddef>

#include "kernels/activation.h"

namespace embed::kernels {

// y[m][n] = act(x[m][k] · w[n][k]^T + bias[n]) (+ y[m][n] when accumulate).
// w is laid out as PyTorch's nn.Linear stores it ([out][in], row-major), so memory-mapped
// checkpoint weights are used in place. Runs on oneDNN's matmul with the epilogue fused as
// post-ops.
struct LinearEpilogue {
  const float* bias = nullptr;
  Activation activation = Activation::None;
  bool accumulate = false;  // add into the existing contents of y (residual connections)
};

void linear(const float* x, size_t m, size_t k, const float* w, size_t n, float* y,
            const LinearEpilogue& epilogue = {});

}  // namespace embed::kernels
