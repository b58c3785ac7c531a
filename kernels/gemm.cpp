#include "kernels/gemm.h"

#include <vector>

#include "kernels/kernel_table.h"
#include "kernels/onednn_matmul.h"
#include "kernels/parallel.h"

namespace embed::kernels {

namespace {

// Columns split over the threads, each streaming its weight rows once for all m rows; the
// epilogue runs on each thread's slice of every row.
void linear_small_batch(const float* x, size_t m, size_t k, const float* w, size_t n, float* y,
                        const LinearEpilogue& epilogue) {
  const KernelTable& table = kernel_table();
  parallel_ranges(n, m * k / 8, [&](size_t begin, size_t end) {
    const size_t width = end - begin;
    thread_local std::vector<float> sums;
    if (epilogue.accumulate && sums.size() < m * width) sums.resize(m * width);
    float* out = epilogue.accumulate ? sums.data() : y + begin;
    const size_t ldo = epilogue.accumulate ? width : n;
    table.linear_small_batch(x, m, k, w, begin, end, out, ldo);
    for (size_t i = 0; i < m; ++i) {
      float* row = out + i * ldo;
      if (epilogue.bias) table.add(row, epilogue.bias + begin, width);
      table.activation(epilogue.activation, row, width);
      if (epilogue.accumulate) table.add(y + i * n + begin, row, width);
    }
  });
}

}  // namespace

void linear(const float* x, size_t m, size_t k, const float* w, size_t n, float* y,
            const LinearEpilogue& epilogue) {
  if (m == 0 || n == 0) return;
  if (m <= kMaxSmallBatchRows) return linear_small_batch(x, m, k, w, n, y, epilogue);
  // w[n][k] row-major is the {k, n} weight matrix in column-major order ("ba"): no copy needed.
  const dnnl::memory weights(dnnl::memory::desc(matrix_dims(k, n), dnnl::memory::data_type::f32,
                                                dnnl::memory::format_tag::ba),
                             cpu_engine(), const_cast<float*>(w));
  run_matmul(dnnl::memory::data_type::f32, x, m, weights, y, epilogue);
}

}  // namespace embed::kernels
