#pragma once
// Internal to kernels/: the pieces of F32 attention on our own tiles (attention.cpp drives them).
// attention_f32.cpp is compiled once with the AVX-512 flags and once with the AVX2 flags; call a
// table only when its ISA is the active one. They replace two sgemm calls per tile, whose packing
// of operands this small costs as much as the products (kernels_bench BM_Attention): keys are
// transposed once per sequence and head, queries, probabilities and values are read where they
// are.
#include <cstddef>

namespace embed::kernels {

// Keys per panel of transposed keys.
inline constexpr size_t kKeyPanel = 64;

// Whether these kernels cover a head dimension: whole vectors of both ISAs, at most 64 lanes.
inline bool f32_attention_supports_head_dim(size_t head_dim) {
  return head_dim == 32 || head_dim == 64;
}

// Floats pack_keys writes for a sequence of len keys.
inline size_t packed_keys_floats(size_t len, size_t head_dim) {
  return (len + kKeyPanel - 1) / kKeyPanel * kKeyPanel * head_dim;
}

struct F32AttentionKernels {
  // Transposes the len keys (rows of k at stride ld, head_dim each) into panels of kKeyPanel
  // keys: panel p holds [head_dim][kKeyPanel], zero past the last key up to a multiple of 16 keys
  // (the columns further on are not read).
  void (*pack_keys)(const float* k, size_t ld, size_t len, size_t head_dim, float* panels);

  // s[r][j] = scale · q_r · k_j for `rows` queries (stride ld) and the len packed keys; s has row
  // stride lds ≥ len. row_max[r] = max_j s[r][j].
  void (*scores)(const float* q, size_t ld, size_t rows, const float* panels, size_t len,
                 size_t head_dim, float scale, float* s, size_t lds, float* row_max);

  // s[r][j] = e^(s[r][j] − row_max[r]) for j < len, and inverse_sums[r] = 1 / Σ_j s[r][j]:
  // softmax without its division, which weighted_values applies to the head_dim outputs instead
  // of the len inputs. exp has a relative error of ~2e-7.
  void (*exponentiate_rows)(float* s, size_t lds, size_t rows, size_t len, const float* row_max,
                            float* inverse_sums);

  // out[r][0, head_dim) = row_scale[r] · Σ_j p[r][j] · v_j over len values (rows of v at stride
  // ld); p has row stride lds, out row stride ld_out.
  void (*weighted_values)(const float* p, size_t lds, size_t rows, const float* v, size_t ld,
                          size_t len, size_t head_dim, const float* row_scale, float* out,
                          size_t ld_out);
};

namespace avx512 {
extern const F32AttentionKernels kF32Attention;
}
namespace avx2 {
extern const F32AttentionKernels kF32Attention;
}

}  // namespace embed::kernels
