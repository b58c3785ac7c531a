#include "kernels/layer_norm.h"

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace embed::kernels {
namespace {

void layer_norm_parallel(const float* x, const float* residual, const float* gamma,
                         const float* beta, float eps, float* y, size_t rows, size_t cols) {
  const KernelTable& table = kernel_table();
  parallel_ranges(rows, cols, [&](size_t begin, size_t end) {
    const size_t o = begin * cols;
    table.layer_norm(x + o, residual ? residual + o : nullptr, gamma, beta, eps, y + o, end - begin,
                     cols);
  });
}

}  // namespace

void layer_norm(const float* x, const float* gamma, const float* beta, float eps, float* y,
                size_t rows, size_t cols) {
  layer_norm_parallel(x, nullptr, gamma, beta, eps, y, rows, cols);
}

void add_layer_norm(float* x, const float* residual, const float* gamma, const float* beta,
                    float eps, size_t rows, size_t cols) {
  layer_norm_parallel(x, residual, gamma, beta, eps, x, rows, cols);
}

}  // namespace embed::kernels
