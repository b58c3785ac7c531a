#pragma once
// A linear layer's weights prepared once, at load, for the arithmetic chosen for inference:
// FP32 (the memory-mapped checkpoint used in place), BF16 (bf16 products, f32 accumulation) or
// INT8 (s8 weights with per-output-channel scales, activations quantized per row on the fly).
// Activations and results are f32 in every format.
//
// Paths, all on oneDNN matmul: F32 is linear(). BF16 converts the activations to bf16 and fuses
// the epilogue as post-ops. INT8 quantizes each activation row symmetrically (an xsimd kernel),
// offsets it to u8 (zero point), multiplies u8·s8 with int32 accumulation (AVX-512 VNNI
// vpdpbusd, or AVX2 / AVX-512 without VNNI), then removes the offset, dequantizes and applies the
// epilogue in one xsimd pass. oneDNN picks its ISA at run time; ONEDNN_MAX_CPU_ISA=AVX2 forces
// the AVX2 kernels (EMBED_FORCE_ISA=avx2 does the same for ours).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/gemm.h"

namespace embed::kernels {

enum class WeightFormat { F32, BF16, Int8 };

// How WeightFormat::BF16 multiplies, decided when weights are prepared. Bf16: bf16 products with
// f32 accumulation (activations rounded to bf16 per call); oneDNN 2.6 runs it natively with
// AVX512_BF16 or AMX, emulates it with plain AVX-512 (about 5x slower than FP32 on Cascade
// Lake) and has none below AVX-512. WidenToF32: the bf16-rounded weights are widened once and
// multiplied in f32 (no memory saving, FP32 speed, slightly more accurate). The default is Bf16
// exactly when the CPU has native bf16; EMBED_BF16_COMPUTE=bf16|f32 overrides it.
enum class Bf16Compute { Bf16, WidenToF32 };
Bf16Compute bf16_compute();
// Switches the choice for weights prepared from now on (tests and benchmarks).
void set_bf16_compute_for_testing(Bf16Compute compute);

class PreparedLinear {
 public:
  // w is [n][k] row-major (PyTorch's nn.Linear layout). f32 keeps the pointer: w must outlive
  // this object. The others copy into oneDNN's preferred layout; w may be released afterwards.
  static PreparedLinear f32(const float* w, size_t n, size_t k);
  static PreparedLinear bf16(const float* w, size_t n, size_t k);  // rounded to nearest even
  static PreparedLinear bf16_bits(const uint16_t* w, size_t n, size_t k);
  // Symmetric: W[j][i] = w[j][i] · scales[j]. Throws std::runtime_error for a non-finite scale.
  static PreparedLinear int8(const int8_t* w, const float* scales, size_t n, size_t k);

  // y[m][n] = act(x[m][k] · Wᵀ + bias) (+ y when accumulating). Safe to call concurrently.
  void apply(const float* x, size_t m, float* y, const LinearEpilogue& epilogue = {}) const;

  WeightFormat format() const;
  size_t out_features() const;
  size_t in_features() const;
  size_t packed_bytes() const;  // memory held by the prepared copy (0 for f32)

 private:
  struct Weights;
  explicit PreparedLinear(std::shared_ptr<const Weights> weights);
  void apply_int8(const float* x, size_t m, float* y, const LinearEpilogue& epilogue) const;
  std::shared_ptr<const Weights> weights_;
};

// The activation quantization levels of the INT8 path, ±127 with VNNI. Without VNNI oneDNN's
// u8·s8 kernels add pairs of products in int16, which saturates unless the activations stay
// within ±63 (7 bits).
int int8_activation_levels();

}  // namespace embed::kernels
