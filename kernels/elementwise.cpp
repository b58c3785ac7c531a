#include "kernels/elementwise.h"

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace embed::kernels {

void add(float* y, const float* x, size_t n) {
  const KernelTable& table = kernel_table();
  parallel_ranges(n, 1,
                  [&](size_t begin, size_t end) { table.add(y + begin, x + begin, end - begin); });
}

void add_bias_rows(float* y, const float* bias, size_t rows, size_t cols) {
  const KernelTable& table = kernel_table();
  parallel_ranges(rows, cols, [&](size_t begin, size_t end) {
    table.add_bias_rows(y + begin * cols, bias, end - begin, cols);
  });
}

}  // namespace embed::kernels
