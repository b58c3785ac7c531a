#pragma once
// Internal to kernels/: the SIMD kernels of one instruction set, as a table of plain function
// pointers. isa_kernels.cpp is compiled once per ISA and defines one table each; the public entry
// points call through kernel_table(), which isa.cpp points at the widest table the CPU supports.
// Every function is single-threaded over the rows it is given; callers split work across threads.
#include <cstddef>
#include <cstdint>

#include "kernels/activation.h"
#include "kernels/isa.h"
#include "kernels/quantize.h"

namespace embed::kernels {

struct KernelTable {
  // y[r] = layer_norm(x[r]); y may alias x.
  void (*layer_norm)(const float* x, const float* gamma, const float* beta, float eps, float* y,
                     size_t rows, size_t cols);
  void (*activation)(Activation act, float* x, size_t n);
  void (*softmax_rows)(float* x, size_t rows, size_t cols);
  void (*add)(float* y, const float* x, size_t n);
  void (*add_bias_rows)(float* y, const float* bias, size_t rows, size_t cols);
  // Per-row quantization to `levels` (QuantizationLevels), stored with its zero_point added (as
  // unsigned bytes: zero_point 0 gives the two's-complement int8 bits). See kernels/quantize.h
  // for the rounding.
  void (*quantize_rows)(const float* x, size_t rows, size_t cols, QuantizationLevels levels,
                        uint8_t* q, float* scales);
  // The same over bf16 values (uint16_t bits, the high half of a float's), widened exactly.
  void (*quantize_bf16_rows)(const uint16_t* x, size_t rows, size_t cols, QuantizationLevels levels,
                             uint8_t* q, float* scales);
  // acc[r] ← act((acc[r] - col_offsets) · row_scales[r] · col_scales + bias), then sum_into[r] +=
  // acc[r] when sum_into is not null. bias may be null.
  void (*dequantize_rows)(float* acc, const float* row_scales, const float* col_offsets,
                          const float* col_scales, const float* bias, Activation act,
                          float* sum_into, size_t rows, size_t cols);
};

// Rows whose largest magnitude is below this (or not finite) quantize to zeros with scale 1.
inline constexpr float kMinQuantizedAbsMax = 1e-30f;

extern const KernelTable kernel_table_generic;
extern const KernelTable kernel_table_avx2;
extern const KernelTable kernel_table_avx512;

// The table of the active ISA (see isa.h).
const KernelTable& kernel_table();

// The ISA to use given the value of EMBED_FORCE_ISA (null when unset): the widest supported one,
// or the forced one. Throws std::runtime_error for an unknown name or an ISA the CPU lacks.
Isa select_isa(const char* forced);

}  // namespace embed::kernels
