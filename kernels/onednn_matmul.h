#pragma once
// Internal to kernels/: the oneDNN matmul call shared by linear() and PreparedLinear, with our
// epilogue fused as post-ops.
#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>

#include "kernels/gemm.h"

namespace embed::kernels {

dnnl::engine& cpu_engine();

dnnl::memory::dims matrix_dims(size_t rows, size_t cols);

// y[m][n] = act(src[m][k] · W + bias) (+ y when accumulating), where src is row-major of
// src_type and `weights` holds the {k, n} matrix W in any layout oneDNN accepts. Primitives come
// from oneDNN's primitive cache (a hit costs ~2 µs), one per shape and epilogue; a fixed M
// compiles the fast brgemm kernels, which runtime M dimensions do not reach in oneDNN 2.6.
// Throws std::runtime_error naming the shapes if oneDNN fails.
void run_matmul(dnnl::memory::data_type src_type, const void* src, size_t m,
                const dnnl::memory& weights, float* y, const LinearEpilogue& epilogue);

// The weights layout oneDNN's matmul picks for {k, n} weights of weights_type with src_type
// activations. Chosen for one M; oneDNN 2.6 picks the same for every M (1 to 4096 checked, and
// tests/kernels/prepared_linear_test.cpp runs other M against it).
dnnl::memory::desc preferred_weights_desc(dnnl::memory::data_type src_type,
                                          dnnl::memory::data_type weights_type, size_t k, size_t n);

}  // namespace embed::kernels
