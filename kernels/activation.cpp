#include "kernels/activation.h"

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace embed::kernels {

void apply_activation(Activation act, float* x, size_t n) {
  if (act == Activation::None) return;
  const KernelTable& table = kernel_table();
  parallel_ranges(n, 1,
                  [&](size_t begin, size_t end) { table.activation(act, x + begin, end - begin); });
}

}  // namespace embed::kernels
