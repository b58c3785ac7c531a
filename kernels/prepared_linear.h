#pragma once
// A linear layer's weights prepared once, at load, for the arithmetic chosen for inference:
// FP32, BF16 (bf16 products, f32 accumulation) or INT8 (s8 weights with per-output-channel
// scales, activations quantized per row on the fly). Activations and results are f32 in every
// format. Every format copies the weights into the layout its GEMM reads: for FP32 oneDNN's
// blocked layout runs 1.3-1.5x faster than the checkpoint's [n][k] at 16 rows and 3-8% faster at
// 512-4096 rows (measured alternating in one process), since the plain layout is re-packed on
// every call.
//
// Paths: F32 is oneDNN matmul with the epilogue as post-ops, or, at up to 48 rows with
// AVX512_VNNI, our panel GEMM (panel_gemm.h) on the same packed copy; where AVX2 is the widest
// ISA, our panel GEMM's AVX2 build at every row count (BF16 widened to f32 likewise). BF16 with
// bf16 products converts the activations to bf16 per call, then oneDNN; widened to f32, see
// Bf16Compute. INT8 quantizes each activation row symmetrically (an xsimd kernel) and offsets it to
// u8 (zero point); with AVX512_VNNI, or where AVX2 is the widest ISA, our GEMM multiplies u8·s8
// into int32 and applies the dequantization and epilogue per tile; elsewhere (no AVX2, or AVX-512
// without VNNI) oneDNN multiplies and one xsimd pass follows. oneDNN picks its ISA at run time;
// ONEDNN_MAX_CPU_ISA=AVX2 forces its AVX2 kernels (EMBED_FORCE_ISA=avx2 does the same for ours).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/gemm.h"
#include "kernels/quantize.h"

namespace embed::kernels {

enum class WeightFormat { F32, BF16, Int8 };

struct Int8GemmEpilogue;  // kernels/panel_gemm.h

// How WeightFormat::BF16 multiplies, decided when weights are prepared. Bf16: bf16 products with
// f32 accumulation (activations rounded to bf16 per call); oneDNN 2.6 runs it natively with
// AVX512_BF16 or AMX, emulates it with plain AVX-512 (about 5x slower than FP32 on Cascade
// Lake) and has none below AVX-512. WidenToF32: the bf16 weights are multiplied in f32 (slightly
// more accurate). With AVX512_VNNI (our panel GEMMs) and k a multiple of 16 they stay in bf16,
// half FP32's memory: widened as our panel GEMM reads them at up to 128 rows, and into an f32
// scratch for oneDNN's matmul per call above, where that costs little beside the products.
// Elsewhere they are widened once, at preparation. The default is Bf16 exactly when the CPU has
// native bf16; EMBED_BF16_COMPUTE=bf16|f32 overrides it.
enum class Bf16Compute { Bf16, WidenToF32 };
Bf16Compute bf16_compute();
// Switches the choice for weights prepared from now on (tests and benchmarks).
void set_bf16_compute_for_testing(Bf16Compute compute);

// What INT8 may assume of a linear's inputs, which it quantizes per row: nothing (as many levels
// for negative values as for positive ones), or that they are GELU's outputs (never below -0.17),
// whose negative values then get a twelfth of the levels and the positive ones the rest.
enum class Int8Input { Any, AfterGelu };

class PreparedLinear {
 public:
  // w is [n][k] row-major (PyTorch's nn.Linear layout), copied: it may be released afterwards.
  static PreparedLinear f32(const float* w, size_t n, size_t k);
  static PreparedLinear bf16(const float* w, size_t n, size_t k);  // rounded to nearest even
  static PreparedLinear bf16_bits(const uint16_t* w, size_t n, size_t k);
  // Symmetric: W[j][i] = w[j][i] · scales[j]. Throws std::runtime_error for a non-finite scale.
  static PreparedLinear int8(const int8_t* w, const float* scales, size_t n, size_t k,
                             Int8Input input = Int8Input::Any);

  // y[m][n] = act(x[m][k] · Wᵀ + bias) (+ y when accumulating). Safe to call concurrently.
  void apply(const float* x, size_t m, float* y, const LinearEpilogue& epilogue = {}) const;

  // Whether apply_bf16 is available: INT8 weights on our VNNI GEMM. Not on the AVX2 one: with its
  // 7-bit activations, a bf16 feed-forward intermediate took the BGE-M3-shape test's lexical
  // top-10 agreement from 90.9% (as with f32) to 77.3%, for a few percent of speed.
  bool has_bf16_output() const;
  // apply() with y in bf16 (uint16_t bits, rounded to nearest even), for results that are only
  // quantized again (INT8 attention's Q, K and V): half the bytes to store and reread. Throws
  // std::logic_error unless has_bf16_output() and epilogue.accumulate is false.
  void apply_bf16(const float* x, size_t m, uint16_t* y, const LinearEpilogue& epilogue = {}) const;

  // y[m][next.out_features()] = next(this(x, epilogue), next_epilogue): two linears in a row, as
  // in a feed-forward block; out_features() must equal next.in_features(), and y may be x. When
  // both run on our INT8 VNNI GEMM the intermediate is kept in bf16 rather than f32, since it is
  // only quantized to 8 bits again: at 4x the hidden width it is the largest activation, and
  // halving it cuts the GEMM's store stalls and the quantizer's reads (BGE-M3's FFN at 512-4096
  // rows: 1.5-4% by the fastest runs, 1-8% by medians, alternating in one process). Its rounding
  // adds at most 2^-9 relative error before that quantization's steps of 2^-7 of the row's maximum.
  // Elsewhere the intermediate is f32. Safe to call concurrently.
  void apply_then(const float* x, size_t m, const LinearEpilogue& epilogue,
                  const PreparedLinear& next, const LinearEpilogue& next_epilogue, float* y) const;

  WeightFormat format() const;
  size_t out_features() const;
  size_t in_features() const;
  size_t packed_bytes() const;  // memory held by the prepared copy

 private:
  struct Weights;
  explicit PreparedLinear(std::shared_ptr<const Weights> weights);
  void apply_int8(const float* x, size_t m, float* y, const LinearEpilogue& epilogue) const;
  void apply_bf16_panels(const float* x, size_t m, float* y, const LinearEpilogue& epilogue) const;
  Int8GemmEpilogue int8_epilogue(const float* row_scales, const LinearEpilogue& epilogue) const;
  std::shared_ptr<const Weights> weights_;
};

// The activation quantization levels of the INT8 path, ±127 with VNNI. Without VNNI our AVX2 GEMM
// and oneDNN's u8·s8 kernels add pairs of products in int16, which saturates unless the
// activations stay within ±63 (7 bits).
int int8_activation_levels();
// The quantization levels of INT8 activations for inputs of that kind: int8_activation_levels()
// on each side, or the same total split for GELU's outputs.
QuantizationLevels int8_activation_levels(Int8Input input);

}  // namespace embed::kernels
