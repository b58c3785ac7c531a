#pragma once
// Internal to kernels/: our u8·s8 GEMM with int32 accumulation for CPUs with AVX512_VNNI, behind
// PreparedLinear's INT8 format. oneDNN 2.6 reaches ~60% of the VNNI peak at BGE-M3 shapes and
// ~16 GB/s of weight streaming for short queries, and cannot express the per-row × per-column
// dequantization as a post-op, so the epilogue costs it a second pass over the output. Here the
// epilogue runs on each tile while it is still in registers.
//
// Weights are packed once into panels of kInt8PanelWidth output channels: within a panel, four
// consecutive inputs of one channel share a 32-bit lane (the operand layout of vpdpbusd), and the
// panel's channels follow each other for every group of four inputs.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/activation.h"

namespace embed::kernels {

inline constexpr size_t kInt8PanelWidth = 64;
inline constexpr size_t kInt8QuadBytes = kInt8PanelWidth * 4;  // four inputs of a panel

// What the GEMM reads: plain data, so that its translation unit emits no STL code.
struct Int8PanelsView {
  const int8_t* data;
  size_t n, k_quads;
};

struct Int8Panels {
  size_t n = 0, k = 0;
  size_t k_quads = 0;  // ⌈k / 4⌉; the padding inputs have zero weights
  std::shared_ptr<int8_t[]> data;
  size_t bytes() const;
  Int8PanelsView view() const { return {data.get(), n, k_quads}; }
};

// w is [n][k] row-major.
Int8Panels pack_int8_panels(const int8_t* w, size_t n, size_t k);

// y[i][j] = act((acc[i][j] − col_offsets[j]) · row_scales[i] · col_scales[j] + bias[j])
// (+ y[i][j] when accumulate), acc[i][j] = Σ_c a[i·lda + c] · w[j][c].
struct Int8GemmEpilogue {
  const float* row_scales;
  const float* col_offsets;
  const float* col_scales;
  const float* bias;  // may be null
  Activation activation;
  bool accumulate;
};

// a holds m rows of k u8 with row stride lda; up to 3 bytes past the last row's k-th may be read
// (they meet zero weights). Splits the work over the OpenMP team. Call only where vnni_active().
void int8_gemm(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
               const Int8GemmEpilogue& epilogue, float* y);

}  // namespace embed::kernels
