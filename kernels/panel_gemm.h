#pragma once
// Internal to kernels/: our GEMMs over weights packed in panels of kPanelWidth output channels,
// for CPUs with AVX512_VNNI (call only where vnni_active()), and INT8, F32 and BF16 for AVX2
// (namespace avx2).
//
// INT8, behind PreparedLinear's INT8 format: u8·s8 with int32 accumulation. oneDNN 2.6 reaches
// ~60% of the VNNI peak at BGE-M3 shapes and ~16 GB/s of weight streaming for short queries, and
// cannot express the per-row × per-column dequantization as a post-op, so the epilogue costs it a
// second pass over the output. Here the epilogue runs on each tile while it is still in
// registers. Within a panel, four consecutive inputs of one channel share a 32-bit lane (the
// operand layout of vpdpbusd), and the panel's channels follow each other for every four inputs.
//
// F32, for PreparedLinear's FP32 format at a few rows: oneDNN's own packed layout for f32 matmul
// weights (BA16a64b) is already such panels, with one input per lane, so the same packed copy
// serves oneDNN for many rows and this GEMM for few. Streaming the weights with prefetches spread
// over the tiles, it reads them faster than oneDNN's kernel at up to 48 rows.
//
// BF16, for PreparedLinear's BF16 format on CPUs without bf16 products (AVX512_BF16): the
// weights stay in bf16, half the bytes of f32, two consecutive inputs of a channel per lane, and
// the tiles widen them to f32 (exactly: a bf16 is the high half of its f32) for FMAs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/activation.h"
#include "kernels/avx2_u8s8.h"
#include "kernels/gemm.h"

namespace embed::kernels {

inline constexpr size_t kPanelWidth = 64;
inline constexpr size_t kPanelStepBytes = kPanelWidth * 4;  // one step of k: 4 bytes per channel

// Part of a weight that the AVX2 GEMM's panels leave out and add on its own (avx2::int8_gemm):
// `weight` times input `input`, added to column `column` of its panel.
struct Int8Correction {
  uint32_t input;
  uint8_t column;
  int8_t weight;
};

// What the GEMM reads: plain data, so that its translation unit emits no STL code.
struct Int8PanelsView {
  const int8_t* data;
  size_t n, k_quads;
  // Panel p's corrections are corrections[first_correction[p] .. first_correction[p + 1]);
  // both null when there are none.
  const Int8Correction* corrections = nullptr;
  const uint32_t* first_correction = nullptr;
  bool pair_steps = false;  // packed for avx2::int8_gemm's pairs of steps
};

struct Int8Panels {
  size_t n = 0, k = 0;
  size_t k_quads = 0;  // ⌈k / 4⌉; the padding inputs have zero weights
  std::shared_ptr<int8_t[]> data;
  std::vector<Int8Correction> corrections;
  std::vector<uint32_t> first_correction;  // per panel, and the total at the end
  bool pair_steps = false;
  size_t bytes() const;
  Int8PanelsView view() const {
    if (corrections.empty()) return {data.get(), n, k_quads, nullptr, nullptr, pair_steps};
    return {data.get(), n, k_quads, corrections.data(), first_correction.data(), pair_steps};
  }
};

// The GEMM that panels are packed for: the AVX2 one needs some weights split (avx2::int8_gemm).
enum class Int8PanelKernel { Vnni, Avx2 };

// w is [n][k] row-major.
Int8Panels pack_int8_panels(const int8_t* w, size_t n, size_t k, Int8PanelKernel kernel);

// The calling thread's grow-only scratch for the GEMMs' partial sums (one slice per team thread),
// cache-line aligned: a tile's sums are stored and reloaded as whole vectors. Defined beside the
// packing, since the GEMMs' own object must emit no STL code.
int32_t* panel_sums_scratch(size_t count);

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
// (they meet zero weights). Splits the work over the OpenMP team.
void int8_gemm(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
               const Int8GemmEpilogue& epilogue, float* y);
// The same with y in bf16 (uint16_t bits, rounded to nearest even), for results that are only
// quantized again: half the bytes to store and reread. epilogue.accumulate must be false.
void int8_gemm_bf16(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
                    const Int8GemmEpilogue& epilogue, uint16_t* y);

// int8_gemm for CPUs with AVX2 but not VNNI (call only where the CPU has AVX2), on panels packed
// for it, with activations up to kAvx2MaxActivation. Without vpdpbusd, vpmaddubsw and vpmaddwd
// multiply, both on the multiply units. Two steps of k add their int16 sums before widening
// (three multiplies for eight products rather than four), exact within avx2_u8s8.h's bound on the
// weights of each int16 lane; packing moves any excess into corrections, added separately. Where
// that would take more than one correction per kAvx2WeightsPerCorrection weights (weights far
// flatter than trained ones), the panels are left whole and the steps go one by one.
namespace avx2 {
void int8_gemm(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
               const Int8GemmEpilogue& epilogue, float* y);
}  // namespace avx2
inline constexpr size_t kAvx2WeightsPerCorrection = 2048;

// f32 weights {k, n} in panels: element (i, j) at data[(j / kPanelWidth) · k · kPanelWidth +
// i · kPanelWidth + j % kPanelWidth], channels past n zero.
struct F32PanelsView {
  const float* data;
  size_t n, k;
};

// y[m][n] = act(a · W + bias) (+ y), a holding m rows of k floats with row stride lda. Splits the
// work over the OpenMP team.
void f32_panel_gemm(const float* a, size_t m, size_t lda, const F32PanelsView& w,
                    const LinearEpilogue& epilogue, float* y);
// The same for CPUs with AVX2 but not VNNI (call only where the CPU has AVX2 and FMA).
namespace avx2 {
void f32_panel_gemm(const float* a, size_t m, size_t lda, const F32PanelsView& w,
                    const LinearEpilogue& epilogue, float* y);
}  // namespace avx2

// bf16 weights {k, n} (k even) in panels: the 32-bit lane of channel j in step s holds inputs 2s
// (low half) and 2s + 1 (high half); channels past n are zero.
struct Bf16PanelsView {
  const uint16_t* data;
  size_t n, k;
};

struct Bf16Panels {
  size_t n = 0, k = 0;
  std::shared_ptr<uint16_t[]> data;
  size_t bytes() const;
  Bf16PanelsView view() const { return {data.get(), n, k}; }
};

// w is [n][k] row-major bf16 bits; throws std::invalid_argument unless k is even.
Bf16Panels pack_bf16_panels(const uint16_t* w, size_t n, size_t k);

// f32_panel_gemm's contract, on bf16 weights: the products are those of the weights widened to f32,
// summed in the same order, so the results equal f32_panel_gemm's on those weights bit for bit.
void bf16_panel_gemm(const float* a, size_t m, size_t lda, const Bf16PanelsView& w,
                     const LinearEpilogue& epilogue, float* y);
// The same for CPUs with AVX2 but not VNNI, equal to avx2::f32_panel_gemm's results likewise.
namespace avx2 {
void bf16_panel_gemm(const float* a, size_t m, size_t lda, const Bf16PanelsView& w,
                     const LinearEpilogue& epilogue, float* y);
}  // namespace avx2

// The weights widened to f32 in F32PanelsView's layout (oneDNN's packed f32 layout when k is a
// multiple of 16), ⌈n / kPanelWidth⌉ · kPanelWidth · k floats at `out`: for oneDNN's matmul at many
// rows, where the widening costs little beside the products. Splits the work over the OpenMP team.
void widen_bf16_panels(const Bf16PanelsView& w, float* out);

}  // namespace embed::kernels
