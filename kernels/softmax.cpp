#include "kernels/softmax.h"

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace embed::kernels {

void softmax_rows(float* x, size_t rows, size_t cols) {
  const KernelTable& table = kernel_table();
  parallel_ranges(rows, cols, [&](size_t begin, size_t end) {
    table.softmax_rows(x + begin * cols, end - begin, cols);
  });
}

}  // namespace embed::kernels
