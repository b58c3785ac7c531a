#pragma once
// Internal to kernels/: the SIMD kernels of one instruction set, as a table of plain function
// pointers. isa_kernels.cpp is compiled once per ISA and defines one table each; the public entry
// points call through kernel_table(), which isa.cpp points at the widest table the CPU supports.
// Every function is single-threaded over the rows it is given; callers split work across threads.
#include <cstddef>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace embed::kernels {

struct KernelTable {
  // y[r] = layer_norm(x[r] (+ residual[r] when residual is not null)); y may alias x.
  void (*layer_norm)(const float* x, const float* residual, const float* gamma, const float* beta,
                     float eps, float* y, size_t rows, size_t cols);
  void (*activation)(Activation act, float* x, size_t n);
  void (*softmax_rows)(float* x, size_t rows, size_t cols);
  void (*add)(float* y, const float* x, size_t n);
  void (*add_bias_rows)(float* y, const float* bias, size_t rows, size_t cols);
};

extern const KernelTable kernel_table_generic;
extern const KernelTable kernel_table_avx2;
extern const KernelTable kernel_table_avx512;

// The table of the active ISA (see isa.h).
const KernelTable& kernel_table();

// The ISA to use given the value of EMBED_FORCE_ISA (null when unset): the widest supported one,
// or the forced one. Throws std::runtime_error for an unknown name or an ISA the CPU lacks.
Isa select_isa(const char* forced);

}  // namespace embed::kernels
