#include "kernels/layer_norm.h"

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace embed::kernels {

void layer_norm(const float* x, const float* gamma, const float* beta, float eps, float* y,
                size_t rows, size_t cols) {
  const KernelTable& table = kernel_table();
  parallel_ranges(rows, cols, [&](size_t begin, size_t end) {
    table.layer_norm(x + begin * cols, gamma, beta, eps, y + begin * cols, end - begin, cols);
  });
}

}  // namespace embed::kernels
