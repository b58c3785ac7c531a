#include "kernels/quantize.h"

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace embed::kernels {

void quantize_rows_symmetric(const float* x, size_t rows, size_t cols, int8_t* q, float* scales) {
  const KernelTable& table = kernel_table();
  // Zero point 0 makes the stored unsigned bytes the two's-complement bits of the int8 values.
  auto* bytes = reinterpret_cast<uint8_t*>(q);
  parallel_ranges(rows, cols, [&](size_t begin, size_t end) {
    table.quantize_rows(x + begin * cols, end - begin, cols, {127, 127, 0}, bytes + begin * cols,
                        scales + begin);
  });
}

}  // namespace embed::kernels
