#include "kernels/gemm.h"

#include "kernels/onednn_matmul.h"

namespace embed::kernels {

void linear(const float* x, size_t m, size_t k, const float* w, size_t n, float* y,
            const LinearEpilogue& epilogue) {
  if (m == 0 || n == 0) return;
  // w[n][k] row-major is the {k, n} weight matrix in column-major order ("ba"): no copy needed.
  const dnnl::memory weights(dnnl::memory::desc(matrix_dims(k, n), dnnl::memory::data_type::f32,
                                                dnnl::memory::format_tag::ba),
                             cpu_engine(), const_cast<float*>(w));
  run_matmul(dnnl::memory::data_type::f32, x, m, weights, y, epilogue);
}

}  // namespace embed::kernels
