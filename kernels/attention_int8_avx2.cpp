// AVX2 kernels of INT8 attention; see attention_int8_avx2.h. Compiled with the AVX2 flags
// (kernels/CMakeLists.txt), so, as in attention_vnni.cpp, nothing here may instantiate an inline
// template shared with other objects (no STL): the linker could keep this object's copy for all.
#include "kernels/attention_int8_avx2.h"

#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/avx2_lanes.h"
#include "kernels/avx2_u8s8.h"
#include "kernels/avx2_u8s8_asm.h"
#include "kernels/fast_activation.h"
#include "kernels/kernel_table.h"

namespace embed::kernels::avx2 {
namespace {

using vnni::Int8Qkv;
using vnni::kKeyBlock;
using vnni::kKeyGroup;
using vnni::kRowGroup;
using Batch = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;

constexpr size_t kLanes = 8;
// Columns of a dot_rows pass: two vectors of int32 lanes. With kRowGroup rows that is 8
// accumulators; with the two loaded vectors, the broadcast and the ones, 12 of the 16 registers.
constexpr size_t kColumnsPerPass = 16;
// The largest quantized levels: the queries' (u8, 7 bits, with their offset; see the header) and
// the keys' and values' (s8).
constexpr float kQueryLevels = 63.0f;
constexpr int32_t kQueryOffset = 64;
constexpr float kS8Levels = 127.0f;
static_assert(kQueryLevels + kQueryOffset <= kAvx2MaxActivation && kS8Levels <= kAvx2MaxActivation,
              "the u8 operands (queries, probabilities) stay within kAvx2MaxActivation");

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

size_t min_size(size_t a, size_t b) {
  return a < b ? a : b;
}

// The values x[c, min(c + 8, d)), zero past d, and their store. Masked only at the tail: on
// AMD's Zen cores a masked store is microcoded (it took 6% of attend() for the output rows).
__m256 load8(const float* x, size_t c, size_t d) {
  return c + kLanes <= d ? _mm256_loadu_ps(x + c)
                         : _mm256_maskload_ps(x + c, first_lanes(c < d ? d - c : 0));
}
void store8(float* x, size_t c, size_t d, __m256 v) {
  if (c + kLanes <= d)
    _mm256_storeu_ps(x + c, v);
  else
    _mm256_maskstore_ps(x + c, first_lanes(d - c), v);
}

// dot_rows' assembly. Row i accumulates in ymm(2i) and ymm(2i+1). Two steps of k at a time: the
// first step's two vectors of b are loaded (ymm8, ymm9), the second's read from memory, and each
// row's 4 bytes of each step broadcast (ymm10) and multiplied in pairs (ymm11-14) that the two
// steps add before ymm15's ones sum them (EMBED_AVX2_U8S8_PAIR_ADD).
// clang-format off
#define EMBED_DOT_ROW(i, lo, hi)                                  \
  EMBED_AVX2_U8S8_PAIR_ADD("(%[a" #i "],%[at])", "4(%[a" #i "],%[at])", 8, 9, \
                           "(%[b],%[b_step])", "32(%[b],%[b_step])", 10, 11, 12, 13, 14, lo, hi)

// acc[i][h] = Σ_s u8 a[i·lda + 4s .. 4s+3] · s8 b[s·b_step + 32h .. +31] (8 int32 lanes of 4
// products each) for kRowGroup rows, h < 2, s < steps (a positive even number). b's s8 must keep
// avx2_u8s8.h's lane bound (pack_key and pack_values see to it). Assembly: from intrinsics GCC
// kept half the accumulators on the stack and copied the rest between registers at every step
// (perf: vmovdqa and stack vpaddd led the profile).
void dot_rows(const uint8_t* a, size_t lda, size_t steps, const int8_t* b, size_t b_step,
              __m256i (&acc)[kRowGroup][2]) {
  size_t at = 0;
  asm("vpxor %%xmm0, %%xmm0, %%xmm0\n\t"
      "vpxor %%xmm1, %%xmm1, %%xmm1\n\t"
      "vpxor %%xmm2, %%xmm2, %%xmm2\n\t"
      "vpxor %%xmm3, %%xmm3, %%xmm3\n\t"
      "vpxor %%xmm4, %%xmm4, %%xmm4\n\t"
      "vpxor %%xmm5, %%xmm5, %%xmm5\n\t"
      "vpxor %%xmm6, %%xmm6, %%xmm6\n\t"
      "vpxor %%xmm7, %%xmm7, %%xmm7\n\t"
      "vpcmpeqw %%ymm15, %%ymm15, %%ymm15\n\t"
      "vpsrlw $15, %%ymm15, %%ymm15\n\t"
      "1:\n\t"
      "vmovdqu (%[b]), %%ymm8\n\t"
      "vmovdqu 32(%[b]), %%ymm9\n\t"
      EMBED_DOT_ROW(0, 0, 1) EMBED_DOT_ROW(1, 2, 3)
      EMBED_DOT_ROW(2, 4, 5) EMBED_DOT_ROW(3, 6, 7)
      "lea (%[b],%[b_step],2), %[b]\n\t"
      "add $8, %[at]\n\t"
      "cmp %[end], %[at]\n\t"
      "jb 1b\n\t"
      "vmovdqu %%ymm0, (%[out])\n\t"
      "vmovdqu %%ymm1, 32(%[out])\n\t"
      "vmovdqu %%ymm2, 64(%[out])\n\t"
      "vmovdqu %%ymm3, 96(%[out])\n\t"
      "vmovdqu %%ymm4, 128(%[out])\n\t"
      "vmovdqu %%ymm5, 160(%[out])\n\t"
      "vmovdqu %%ymm6, 192(%[out])\n\t"
      "vmovdqu %%ymm7, 224(%[out])\n\t"
      : [b] "+r"(b), [at] "+r"(at), "=m"(acc)
      : [a0] "r"(a), [a1] "r"(a + lda), [a2] "r"(a + 2 * lda), [a3] "r"(a + 3 * lda),
        [end] "r"(4 * steps), [b_step] "r"(b_step), [out] "r"(acc)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
}
// clang-format on
#undef EMBED_DOT_ROW

// 127 · 2^x for -24 ≤ x ≤ 0 (and a little above), as 2^floor(x) · p(x - floor(x)), p a cubic
// fitted to 127 · 2^f on [0, 1) (least squares reweighted towards the minimax) within 0.014: a
// small fraction of the unit the probabilities are rounded to. Half the operations of
// fast_exp_nonpositive, whose float precision this does not need.
__m256 exp2_times_127(__m256 x) {
  const __m256 whole = _mm256_floor_ps(x), f = _mm256_sub_ps(x, whole);
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(10.0588996f), f, _mm256_set1_ps(28.4905839f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(88.4505168f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(126.986324f));
  const __m256i exponent = _mm256_add_epi32(_mm256_cvtps_epi32(whole), _mm256_set1_epi32(127));
  return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(exponent, 23)));
}

// 2^x for x ≤ 0 (as e^(x·ln 2)), relative error ~2e-7.
Batch exp2_nonpositive(Batch x) {
  return fast_exp_nonpositive(x * Batch(0.693147181f));
}

// Symmetric quantization to ±levels of values whose largest magnitude is amax: inverse =
// levels / amax and scale = amax / levels, or, by quantize_rows_symmetric's rule for a (near)
// zero or non-finite maximum, 0 and 1 (zeros with scale 1).
struct Symmetric {
  float inverse, scale;
};
Symmetric symmetric(float amax, float levels) {
  if (!(amax >= kMinQuantizedAbsMax && amax <= FLT_MAX)) return {0.0f, 1.0f};
  return {levels / amax, amax / levels};
}

// max |x| over the d values at x.
float abs_max(const float* x, size_t d) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (size_t c = 0; c < d; c += kLanes)
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, load8(x, c, d)));
  return reduce_max(m);
}

// Eight values from x[c] times `inverse`, rounded to int32 (to nearest even, like the project's
// other quantizers); zeros past d.
__m256i quantize8(const float* x, size_t c, size_t d, __m256 inverse) {
  return _mm256_cvtps_epi32(_mm256_mul_ps(load8(x, c, d), inverse));
}

// The low byte of each int32 lane (values within int8), in the low 8 bytes.
__m128i bytes_of(__m256i v) {
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return _mm_packs_epi16(words, words);
}

// The levels that keep avx2_u8s8.h's lane bound where quantizing to `levels` made a lane's
// same-sign magnitudes sum to `largest`: each of its four values rounded by at most 1/2, so
// rescaling by (budget - 3) / (largest + 2) brings the sum within budget - 1, the 1 a margin for
// the float products. Whole levels, so that the largest magnitude stays exact.
float lane_safe_levels(float levels, int32_t largest) {
  if (largest <= kAvx2LaneWeightBudget) return levels;
  return floorf(levels * static_cast<float>(kAvx2LaneWeightBudget - 3) /
                static_cast<float>(largest + 2));
}

// Sums of one sign's magnitudes over the pair macro's int16 lanes (kAvx2LaneInputs, by shuffles
// here) among 8 quantized values: in each element, the larger sign's sum over its lane.
__m256i lane_magnitudes(__m256i q) {
  const __m256i zero = _mm256_setzero_si256();
  const auto over_lane = [](__m256i x) {
    x = _mm256_add_epi32(x, _mm256_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm256_add_epi32(x, _mm256_permute2x128_si256(x, x, 1));
  };
  return _mm256_max_epi32(over_lane(_mm256_max_epi32(q, zero)),
                          over_lane(_mm256_max_epi32(_mm256_sub_epi32(zero, q), zero)));
}

// lane_magnitudes across 8 rows of quantized values (keys 8t..8t+7 of 8 channels, values'
// layout): per channel, the larger sign's sum over either lane's rows (kAvx2LaneInputs).
__m256i row_lane_magnitudes(const __m256i (&q)[8]) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i largest = zero;
  for (const auto& rows : kAvx2LaneInputs) {
    __m256i positive = zero, negative = zero;
    for (const size_t i : rows) {
      positive = _mm256_add_epi32(positive, _mm256_max_epi32(q[i], zero));
      negative = _mm256_add_epi32(negative, _mm256_max_epi32(_mm256_sub_epi32(zero, q[i]), zero));
    }
    largest = _mm256_max_epi32(largest, _mm256_max_epi32(positive, negative));
  }
  return largest;
}

// One query row: dp bytes round(q · 63 / max|q|) + 64 (zero channels past d give 64), and the
// row's scale max|q| / 63 · factor.
void quantize_query(const float* x, size_t d, size_t dp, float factor, uint8_t* out, float* scale) {
  const Symmetric sym = symmetric(abs_max(x, d), kQueryLevels);
  *scale = sym.scale * factor;
  const __m256 inverse = _mm256_set1_ps(sym.inverse);
  const __m256i offset = _mm256_set1_epi32(kQueryOffset);
  for (size_t c = 0; c < dp; c += kLanes)
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + c),
                     bytes_of(_mm256_add_epi32(quantize8(x, c, d, inverse), offset)));
}

// Key j of a group (d floats at x; x null for padding) at its dwords, channels 4c..4c+3 at byte
// 4j + 4c · kKeyGroup, with its scale max|k| / levels and offset -64 · Σ k · scale, which removes
// the queries' offset. The levels are 127, or fewer where a lane of channels would pass
// avx2_u8s8.h's bound: quantized again then (simulated on normally distributed keys, one in five,
// keeping at least 76 levels and 124 on average). Padding is zero with scale 0 and offset -inf,
// which masks it out of the softmax.
void pack_key(const float* x, size_t d, size_t dp, int8_t* group, size_t j, float* scale,
              float* offset) {
  int8_t* at = group + 4 * j;
  if (!x) {
    for (size_t c = 0; c < dp; c += 4) memset(at + c * kKeyGroup, 0, 4);
    scale[j] = 0.0f;
    offset[j] = -INFINITY;
    return;
  }
  const float amax = abs_max(x, d);
  // Twice at most: lane_safe_levels' levels keep the bound.
  for (float levels = kS8Levels;;) {
    const Symmetric sym = symmetric(amax, levels);
    const __m256 inverse = _mm256_set1_ps(sym.inverse);
    __m256i sum = _mm256_setzero_si256(), lanes = _mm256_setzero_si256();
    for (size_t c = 0; c < dp; c += kLanes) {
      const __m256i q = quantize8(x, c, d, inverse);
      sum = _mm256_add_epi32(sum, q);
      lanes = _mm256_max_epi32(lanes, lane_magnitudes(q));
      const __m128i bytes = bytes_of(q);
      const int32_t low = _mm_cvtsi128_si32(bytes), high = _mm_extract_epi32(bytes, 1);
      memcpy(at + c * kKeyGroup, &low, 4);
      memcpy(at + (c + 4) * kKeyGroup, &high, 4);
    }
    const auto largest = static_cast<int32_t>(reduce_max(_mm256_cvtepi32_ps(lanes)));
    if (largest <= kAvx2LaneWeightBudget) {
      scale[j] = sym.scale;
      offset[j] =
          -static_cast<float>(kQueryOffset) * static_cast<float>(reduce_add(sum)) * sym.scale;
      return;
    }
    levels = lane_safe_levels(levels, largest);
  }
}

// Quantizes `rows` rows (zeros past them, up to `padded`, a multiple of 8) of one head's values
// with one scale per channel into 4-key dwords per channel, dst[j / 4][c][j % 4]. scale holds
// each channel's maximum |v| over the rows on entry and max / levels on return: 127 levels, or
// fewer where a lane of keys (8t + {0, 1, 4, 5} or {2, 3, 6, 7}) would pass avx2_u8s8.h's bound.
void pack_values(const float* v, size_t ld, size_t rows, size_t padded, size_t d, int8_t* dst,
                 float* scale) {
  const size_t dp = vnni::padded_head_dim(d);
  const auto quantized_row = [&](size_t j, size_t c, __m256 inverse) {
    return j < rows ? quantize8(v + j * ld, c, d, inverse) : _mm256_setzero_si256();
  };
  for (size_t c = 0; c < dp; c += kLanes) {
    alignas(32) float inverses[kLanes];
    for (size_t l = 0; l < kLanes; ++l) inverses[l] = symmetric(scale[c + l], kS8Levels).inverse;
    const __m256 full_inverse = _mm256_load_ps(inverses);
    __m256i lanes = _mm256_setzero_si256();
    for (size_t j = 0; j < padded; j += 8) {
      __m256i q[8];
      for (size_t i = 0; i < 8; ++i) q[i] = quantized_row(j + i, c, full_inverse);
      lanes = _mm256_max_epi32(lanes, row_lane_magnitudes(q));
    }
    alignas(32) int32_t largest[kLanes];
    _mm256_store_si256(reinterpret_cast<__m256i*>(largest), lanes);
    for (size_t l = 0; l < kLanes; ++l) {
      const Symmetric sym = symmetric(scale[c + l], lane_safe_levels(kS8Levels, largest[l]));
      inverses[l] = sym.inverse;
      scale[c + l] = sym.scale;
    }
    const __m256 inverse = _mm256_load_ps(inverses);
    for (size_t j = 0; j < padded; j += 4) {
      __m128i r[4];
#pragma GCC unroll 4
      for (size_t i = 0; i < 4; ++i) r[i] = bytes_of(quantized_row(j + i, c, inverse));
      // 4 rows × 8 channels of bytes into 8 channels × 4 rows.
      const __m128i r01 = _mm_unpacklo_epi8(r[0], r[1]), r23 = _mm_unpacklo_epi8(r[2], r[3]);
      __m128i* out = reinterpret_cast<__m128i*>(dst + j * dp + c * 4);
      _mm_storeu_si128(out, _mm_unpacklo_epi16(r01, r23));
      _mm_storeu_si128(out + 1, _mm_unpackhi_epi16(r01, r23));
    }
  }
}

// Scores of kRowGroup query rows against one packed group of kKeyGroup keys, without the query
// scales: t[i][j] = (Σ u8 q[i]·k[j] - 64·Σ k[j]) · k_scale[j]. Stores them at t (row stride ldt)
// and raises vmax[i] to their maximum.
void score_group(const uint8_t* q, size_t dp, const int8_t* k, const float* k_scale,
                 const float* k_offset, float* t, size_t ldt, __m256 (&vmax)[kRowGroup]) {
  for (size_t j = 0; j < kKeyGroup; j += kColumnsPerPass) {
    __m256i acc[kRowGroup][2];
    dot_rows(q, dp, dp / 4, k + 4 * j, 4 * kKeyGroup, acc);
#pragma GCC unroll 2
    for (size_t h = 0; h < 2; ++h) {
      const __m256 scale = _mm256_loadu_ps(k_scale + j + kLanes * h);
      const __m256 offset = _mm256_loadu_ps(k_offset + j + kLanes * h);
#pragma GCC unroll 4
      for (size_t i = 0; i < kRowGroup; ++i) {
        const __m256 s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[i][h]), scale, offset);
        _mm256_storeu_ps(t + i * ldt + j + kLanes * h, s);
        vmax[i] = _mm256_max_ps(vmax[i], s);
      }
    }
  }
}

// Rounding offsets for the u8 probabilities in key order (vnni::key_dither).
struct Dither {
  alignas(32) float u[kKeyGroup];
};
constexpr Dither make_dither() {
  Dither d{};
  for (size_t j = 0; j < kKeyGroup; ++j) d.u[j] = vnni::key_dither(j);
  return d;
}
constexpr Dither kDither = make_dither();

// p[i][j] = floor(127 · 2^(a[i]·t[i][j] - m[i]) + dither) for kRowGroup rows and j < n (a
// multiple of kKeyGroup), where m[i] ≥ a[i]·t[i][j]; sums[i] = Σ_j p[i][j]. The exponent is
// clamped at -24, where the result is 0 (padding has t = -inf).
void exponentiate(const float* t, size_t ldt, size_t n, const float* a, const float* m, uint8_t* p,
                  size_t ldp, float* sums) {
  // packus works within 128-bit lanes: its output holds 4-key dwords in this order.
  const __m256i key_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256 lowest = _mm256_set1_ps(-24.0f);
  // Rows outer: with four rows' constants and sums live at once GCC spilled them.
  for (size_t i = 0; i < kRowGroup; ++i) {
    const __m256 scale = _mm256_set1_ps(a[i]), neg_max = _mm256_set1_ps(-m[i]);
    __m256i total = _mm256_setzero_si256();
    for (size_t j = 0; j < n; j += 4 * kLanes) {
      __m256i e[4];
#pragma GCC unroll 4
      for (size_t v = 0; v < 4; ++v) {
        const __m256 x =
            _mm256_fmadd_ps(_mm256_loadu_ps(t + i * ldt + j + kLanes * v), scale, neg_max);
        const __m256 dither = _mm256_load_ps(kDither.u + (j + kLanes * v) % kKeyGroup);
        e[v] = _mm256_cvttps_epi32(_mm256_add_ps(exp2_times_127(_mm256_max_ps(x, lowest)), dither));
        total = _mm256_add_epi32(total, e[v]);
      }
      const __m256i bytes =
          _mm256_packus_epi16(_mm256_packus_epi32(e[0], e[1]), _mm256_packus_epi32(e[2], e[3]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + i * ldp + j),
                          _mm256_permutevar8x32_epi32(bytes, key_order));
    }
    sums[i] = static_cast<float>(reduce_add(total));
  }
}

// acc[i][0, dp) = alpha[i] · acc[i] + beta[i] · v_scale · Σ_j p[i][j] · v[j] over n keys (a
// multiple of 16) for kRowGroup rows: u8 probabilities (row stride ldp) times s8 values packed as
// [n / 4][dp][4].
void weigh_values(const uint8_t* p, size_t ldp, size_t n, const int8_t* v, const float* v_scale,
                  size_t dp, const float* alpha, const float* beta, float* acc, size_t ld_acc) {
  for (size_t c = 0; c < dp; c += kColumnsPerPass) {
    __m256i sum[kRowGroup][2];
    dot_rows(p, ldp, n / 4, v + 4 * c, 4 * dp, sum);
#pragma GCC unroll 4
    for (size_t i = 0; i < kRowGroup; ++i) {
      const __m256 keep = _mm256_set1_ps(alpha[i]), add = _mm256_set1_ps(beta[i]);
#pragma GCC unroll 2
      for (size_t h = 0; h < 2; ++h) {
        float* o = acc + i * ld_acc + c + kLanes * h;
        const __m256 w = _mm256_mul_ps(add, _mm256_loadu_ps(v_scale + c + kLanes * h));
        _mm256_storeu_ps(o, _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[i][h]), w,
                                            _mm256_mul_ps(_mm256_loadu_ps(o), keep)));
      }
    }
  }
}

// attend()'s working memory: float arrays first, then the probabilities.
struct Scratch {
  float* acc;      // [rows][dp]: unnormalised outputs
  float* row_max;  // [rows]: running maximum of the log2-domain scores
  float* row_sum;  // [rows]: running Σ p
  float* scores;   // [kRowGroup][kKeyBlock]
  uint8_t* probs;  // [kRowGroup][kKeyBlock]
};

constexpr size_t scratch_floats(size_t rows, size_t dp) {
  return rows * dp + 2 * rows + kRowGroup * kKeyBlock;
}

Scratch carve(void* base, size_t rows, size_t dp) {
  auto* f = reinterpret_cast<float*>(round_up(reinterpret_cast<uintptr_t>(base), 32));
  float* scores = f + rows * dp + 2 * rows;
  return {f, f + rows * dp, f + rows * dp + rows, scores,
          reinterpret_cast<uint8_t*>(scores + kRowGroup * kKeyBlock)};
}

}  // namespace

void pack_attention_block(const float* q, const float* k, const float* v, size_t ld, size_t rows,
                          float factor, size_t token, size_t key, const vnni::Int8Qkv& out) {
  const size_t d = out.head_dim, dp = vnni::padded_head_dim(d);
  const size_t padded = round_up(rows, kKeyGroup);
  // Each row's heads in order, so that the rows come from memory once, front to back.
  const size_t v_scale_stride = out.keys / kKeyGroup * dp;
  float* v_scale = out.v_scale + key / kKeyGroup * dp;
  for (size_t h = 0; h < out.heads; ++h)
    memset(v_scale + h * v_scale_stride, 0, dp * sizeof(float));
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (size_t r = 0; r < rows; ++r)
    for (size_t h = 0; h < out.heads; ++h)
      for (size_t c = 0; c < d; c += kLanes) {
        float* col_max = v_scale + h * v_scale_stride;
        const __m256 magnitude = _mm256_andnot_ps(sign, load8(v + r * ld + h * d, c, d));
        store8(col_max, c, d, _mm256_max_ps(load8(col_max, c, d), magnitude));
      }
  for (size_t h = 0; h < out.heads; ++h)
    pack_values(v + h * d, ld, rows, padded, d, out.v + (h * out.keys + key) * dp,
                v_scale + h * v_scale_stride);
  for (size_t r = 0; r < padded; ++r)
    for (size_t h = 0; h < out.heads; ++h) {
      const size_t at = r * ld + h * d;
      if (r < rows) {
        const size_t qi = h * out.q_rows + token + r;
        quantize_query(q + at, d, dp, factor, out.q + qi * dp, out.q_scale + qi);
      }
      const size_t group = h * out.keys + key + r / kKeyGroup * kKeyGroup;
      pack_key(r < rows ? k + at : nullptr, d, dp, out.k + group * dp, r % kKeyGroup,
               out.k_scale + group, out.k_offset + group);
    }
}

size_t attend_scratch_bytes(size_t rows, size_t head_dim) {
  const size_t padded = round_up(rows, kRowGroup);
  return 32 + scratch_floats(padded, vnni::padded_head_dim(head_dim)) * sizeof(float) +
         kRowGroup * kKeyBlock;
}

void attend(const vnni::Int8Qkv& qkv, size_t head, size_t token, size_t rows, size_t key,
            size_t len, float* out, size_t ld_out, void* scratch) {
  const size_t d = qkv.head_dim, dp = vnni::padded_head_dim(d);
  const size_t padded_rows = round_up(rows, kRowGroup);
  const size_t keys = round_up(len, kKeyGroup);
  const uint8_t* q = qkv.q + (head * qkv.q_rows + token) * dp;
  const float* q_scale = qkv.q_scale + head * qkv.q_rows + token;
  const size_t first_key = head * qkv.keys + key;
  const Scratch s = carve(scratch, padded_rows, dp);
  memset(s.acc, 0, padded_rows * dp * sizeof(float));
  for (size_t r = 0; r < padded_rows; ++r) {
    s.row_max[r] = -INFINITY;
    s.row_sum[r] = 0.0f;
  }
  for (size_t k0 = 0; k0 < keys; k0 += kKeyBlock) {
    const size_t n = min_size(kKeyBlock, keys - k0);
    const size_t j0 = first_key + k0;
    for (size_t r0 = 0; r0 < padded_rows; r0 += kRowGroup) {
      __m256 vmax[kRowGroup];
      for (size_t i = 0; i < kRowGroup; ++i) vmax[i] = _mm256_set1_ps(-INFINITY);
      for (size_t g = 0; g < n; g += kKeyGroup)
        score_group(q + r0 * dp, dp, qkv.k + (j0 + g) * dp, qkv.k_scale + j0 + g,
                    qkv.k_offset + j0 + g, s.scores + g, kKeyBlock, vmax);
      // Each block is quantized against its own maximum, then rescaled to the running one:
      // acc = alpha · acc + beta · block, alpha = 2^(old max - new max), beta = 2^(block - new).
      // The query scales are positive, so the scaled maximum is the maximum scaled.
      alignas(32) float block_max[kRowGroup], block_sum[kRowGroup], exponents[2 * kRowGroup];
      for (size_t i = 0; i < kRowGroup; ++i) block_max[i] = q_scale[r0 + i] * reduce_max(vmax[i]);
      exponentiate(s.scores, kKeyBlock, n, q_scale + r0, block_max, s.probs, kKeyBlock, block_sum);
      for (size_t i = 0; i < kRowGroup; ++i) {
        const float old_max = s.row_max[r0 + i];
        const float new_max = old_max > block_max[i] ? old_max : block_max[i];
        s.row_max[r0 + i] = new_max;
        // Clamped: the first block's old maximum is -inf (2^-100 still zeroes the empty sums).
        exponents[i] = old_max - new_max;
        exponents[kRowGroup + i] = block_max[i] - new_max;
      }
      alignas(32) float factors[2 * kRowGroup];
      exp2_nonpositive(xsimd::max(Batch::load_aligned(exponents), Batch(-100.0f)))
          .store_aligned(factors);
      const float* alpha = factors;
      const float* beta = factors + kRowGroup;
      for (size_t i = 0; i < kRowGroup; ++i)
        s.row_sum[r0 + i] = s.row_sum[r0 + i] * alpha[i] + block_sum[i] * beta[i];
      weigh_values(s.probs, kKeyBlock, n, qkv.v + j0 * dp, qkv.v_scale + j0 / kKeyGroup * dp, dp,
                   alpha, beta, s.acc + r0 * dp, dp);
    }
  }
  for (size_t r = 0; r < rows; ++r) {
    const __m256 inverse_sum = _mm256_set1_ps(1.0f / s.row_sum[r]);
    for (size_t c = 0; c < d; c += kLanes)
      store8(out + r * ld_out, c, d,
             _mm256_mul_ps(_mm256_loadu_ps(s.acc + r * dp + c), inverse_sum));
  }
}

}  // namespace embed::kernels::avx2
