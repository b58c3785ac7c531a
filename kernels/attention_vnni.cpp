// AVX-512 VNNI kernels of INT8 attention; see attention_vnni.h. Compiled with the VNNI flags
// (kernels/CMakeLists.txt), so, as in isa_kernels.cpp, nothing here may instantiate an inline
// template shared with other objects (no STL): the linker could keep this object's copy for all.
#include "kernels/attention_vnni.h"

#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "kernels/kernel_table.h"
#include "kernels/lanes_mask.h"

namespace embed::kernels::vnni {
namespace {

constexpr size_t kLanes = 16;

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

size_t min_size(size_t a, size_t b) {
  return a < b ? a : b;
}

// dot_rows' assembly. Accumulators: row i's are zmm 4i..4i+3 (the first kVectors used), zeroed,
// or stored to out[i]. A step of k multiplies 4 broadcast bytes of each row (into register
// bq0..bq3) with the vectors w0..w3 of b.
// clang-format off
#define EMBED_IF_VECTORS(c, text) ".if %c[vectors] > " #c "\n\t" text "\n\t.endif\n\t"
#define EMBED_DOT_ZERO(i, r0, r1, r2, r3)                             \
  "vpxord %%zmm" #r0 ", %%zmm" #r0 ", %%zmm" #r0 "\n\t"                \
  EMBED_IF_VECTORS(1, "vpxord %%zmm" #r1 ", %%zmm" #r1 ", %%zmm" #r1) \
  EMBED_IF_VECTORS(2, "vpxord %%zmm" #r2 ", %%zmm" #r2 ", %%zmm" #r2) \
  EMBED_IF_VECTORS(3, "vpxord %%zmm" #r3 ", %%zmm" #r3 ", %%zmm" #r3)
#define EMBED_DOT_STORE(i, r0, r1, r2, r3)                              \
  "vmovdqu64 %%zmm" #r0 ", " #i "*256(%[out])\n\t"                      \
  EMBED_IF_VECTORS(1, "vmovdqu64 %%zmm" #r1 ", " #i "*256+64(%[out])")  \
  EMBED_IF_VECTORS(2, "vmovdqu64 %%zmm" #r2 ", " #i "*256+128(%[out])") \
  EMBED_IF_VECTORS(3, "vmovdqu64 %%zmm" #r3 ", " #i "*256+192(%[out])")
#define EMBED_DOT_ROWS(step) \
  step(0, 0, 1, 2, 3) step(1, 4, 5, 6, 7) step(2, 8, 9, 10, 11) step(3, 12, 13, 14, 15)
#define EMBED_DOT_LOADS(b, w0, w1, w2, w3)                    \
  "vmovdqu64 " b ", %%zmm" #w0 "\n\t"                         \
  EMBED_IF_VECTORS(1, "vmovdqu64 64+" b ", %%zmm" #w1)        \
  EMBED_IF_VECTORS(2, "vmovdqu64 128+" b ", %%zmm" #w2)       \
  EMBED_IF_VECTORS(3, "vmovdqu64 192+" b ", %%zmm" #w3)
#define EMBED_DOT_ROW(i, r0, r1, r2, r3, bq, w0, w1, w2, w3, at)  \
  "vpbroadcastd " at "(%[a" #i "],%[at]), %%zmm" #bq "\n\t"       \
  "vpdpbusd %%zmm" #w0 ", %%zmm" #bq ", %%zmm" #r0 "\n\t"         \
  EMBED_IF_VECTORS(1, "vpdpbusd %%zmm" #w1 ", %%zmm" #bq ", %%zmm" #r1) \
  EMBED_IF_VECTORS(2, "vpdpbusd %%zmm" #w2 ", %%zmm" #bq ", %%zmm" #r2) \
  EMBED_IF_VECTORS(3, "vpdpbusd %%zmm" #w3 ", %%zmm" #bq ", %%zmm" #r3)
#define EMBED_DOT_STEP(bq0, bq1, bq2, bq3, w0, w1, w2, w3, at) \
  EMBED_DOT_ROW(0, 0, 1, 2, 3, bq0, w0, w1, w2, w3, at)        \
  EMBED_DOT_ROW(1, 4, 5, 6, 7, bq1, w0, w1, w2, w3, at)        \
  EMBED_DOT_ROW(2, 8, 9, 10, 11, bq2, w0, w1, w2, w3, at)      \
  EMBED_DOT_ROW(3, 12, 13, 14, 15, bq3, w0, w1, w2, w3, at)

// out[i][c] = Σ_s u8 a[i·lda + 4s .. 4s+3] · s8 b[s·b_step + 64c ..] (vpdpbusd: 16 int32 lanes of
// 4 products) for kRowGroup rows, c < kVectors, s < len / 4 (len a positive multiple of 8).
// Assembly, accumulating in zmm0-15: from intrinsics GCC 12 copied accumulators between
// registers on every iteration. Two steps of k per iteration: 1.2-1.3x the products per cycle of
// one step per iteration (hot data, 64-512 steps; a broadcast register per row or one shared
// measured the same).
template <int kVectors>
void dot_rows(const uint8_t* a, size_t lda, size_t len, const int8_t* b, size_t b_step,
              __m512i (&out)[kRowGroup][4]) {
  size_t at = 0;
  asm(EMBED_DOT_ROWS(EMBED_DOT_ZERO)
      "1:\n\t"
      EMBED_DOT_LOADS("(%[b])", 28, 29, 30, 31)
      EMBED_DOT_LOADS("(%[b],%[b_step])", 24, 25, 26, 27)
      EMBED_DOT_STEP(16, 17, 18, 19, 28, 29, 30, 31, "")
      EMBED_DOT_STEP(20, 21, 22, 23, 24, 25, 26, 27, "4")
      "lea (%[b],%[b_step],2), %[b]\n\t"
      "add $8, %[at]\n\t"
      "cmp %[len], %[at]\n\t"
      "jb 1b\n\t"
      EMBED_DOT_ROWS(EMBED_DOT_STORE)
      : [b] "+r"(b), [at] "+r"(at), "=m"(out)
      : [a0] "r"(a), [a1] "r"(a + lda), [a2] "r"(a + 2 * lda), [a3] "r"(a + 3 * lda),
        [len] "r"(len), [b_step] "r"(b_step), [out] "r"(out), [vectors] "i"(kVectors)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",
        "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30",
        "xmm31", "cc", "memory");
}
// clang-format on
#undef EMBED_IF_VECTORS
#undef EMBED_DOT_ZERO
#undef EMBED_DOT_STORE
#undef EMBED_DOT_ROWS
#undef EMBED_DOT_LOADS
#undef EMBED_DOT_ROW
#undef EMBED_DOT_STEP

// 2^x as 2^floor(x) · p(x - floor(x)), p a polynomial in Horner form fitted on [0, 1).
template <int kDegree>
__m512 exp2_poly(__m512 x, const float (&p)[kDegree + 1]) {
  const __m512 f = _mm512_reduce_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  __m512 y = _mm512_set1_ps(p[kDegree]);
  for (int i = kDegree - 1; i >= 0; --i) y = _mm512_fmadd_ps(y, f, _mm512_set1_ps(p[i]));
  return _mm512_scalef_ps(y, x);
}
// 2^f on [0, 1) within 1.1e-7 (float precision), for the flash-attention rescaling factors.
constexpr float kExp2[] = {0.99999990f, 0.69315462f, 0.24014077f,
                           0.05586328f, 0.00894621f, 0.00189511f};
// 255 · 2^f within 0.03: far below the unit of rounding to u8.
constexpr float kExp2Times255[] = {254.973656f, 177.579589f, 57.2516677f, 20.1668538f};

// Lane i of the result is the reduction (op: max or add) of the 16 lanes of v[i].
template <class Op>
__m128 reduce_rows(const __m512 (&v)[kRowGroup], Op op) {
  // Halve twice across 128-bit lanes, leaving v[i]'s partials in lane i, then within lanes.
  const __m512 v01 =
      op(_mm512_shuffle_f32x4(v[0], v[1], 0x44), _mm512_shuffle_f32x4(v[0], v[1], 0xee));
  const __m512 v23 =
      op(_mm512_shuffle_f32x4(v[2], v[3], 0x44), _mm512_shuffle_f32x4(v[2], v[3], 0xee));
  __m512 m = op(_mm512_shuffle_f32x4(v01, v23, 0x88), _mm512_shuffle_f32x4(v01, v23, 0xdd));
  m = op(m, _mm512_permute_ps(m, 0x4e));
  m = op(m, _mm512_permute_ps(m, 0xb1));
  return _mm512_castps512_ps128(
      _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), m));
}

__m512 max_op(__m512 a, __m512 b) {
  return _mm512_max_ps(a, b);
}
__m512 add_op(__m512 a, __m512 b) {
  return _mm512_add_ps(a, b);
}

// Per lane, symmetric quantization to ±127 of values whose largest magnitude is amax: inverse =
// 127 / amax and scale = amax / 127, or, by quantize_rows_symmetric's rule for a (near) zero or
// non-finite maximum, 0 and 1 (zeros with scale 1).
struct Symmetric {
  __m512 inverse, scale;
};
Symmetric symmetric(__m512 amax) {
  const __mmask16 ok = _mm512_cmp_ps_mask(amax, _mm512_set1_ps(kMinQuantizedAbsMax), _CMP_GE_OQ) &
                       _mm512_cmp_ps_mask(amax, _mm512_set1_ps(FLT_MAX), _CMP_LE_OQ);
  const __m512 levels = _mm512_set1_ps(127.0f);
  return {_mm512_maskz_div_ps(ok, levels, amax),
          _mm512_mask_div_ps(_mm512_set1_ps(1.0f), ok, amax, levels)};
}

// The 16 values at x in `lanes`, zero elsewhere, as floats: f32, or bf16 (uint16_t) widened
// exactly.
__m512 load16(const float* x, __mmask16 lanes) {
  return _mm512_maskz_loadu_ps(lanes, x);
}
__m512 load16(const uint16_t* x, __mmask16 lanes) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(lanes, x));
  return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

// The 16 values at x in `lanes` (zero elsewhere) times `inverse`, rounded to int32 (to nearest
// even, like the project's other quantizers).
template <class Element>
__m512i quantize16(const Element* x, __mmask16 lanes, __m512 inverse) {
  return _mm512_cvtps_epi32(_mm512_mul_ps(load16(x, lanes), inverse));
}

// Lane i of v, in every lane.
__m512 lane(__m512 v, size_t i) {
  return _mm512_permutexvar_ps(_mm512_set1_epi32(static_cast<int>(i)), v);
}

// The loops over a group's rows below are unrolled, with the columns outside them, so that
// per-row values stay in registers: with the rows outside, GCC kept them in memory, and the
// chains through it made packing ~4x slower than its instructions.

// Lane i < kRowGroup: max |x| over the d values of row i (stride ld); 0 for rows ≥ valid, which
// are not read. Rows are quantized kRowGroup at a time for the parallelism of their reductions.
template <class Element>
__m512 rows_abs_max(const Element* x, size_t ld, size_t d, size_t valid) {
  __m512 m[kRowGroup];
#pragma GCC unroll 4
  for (size_t i = 0; i < kRowGroup; ++i) m[i] = _mm512_setzero_ps();
  for (size_t c = 0; c < d; c += kLanes) {
    const __mmask16 lanes = lanes_mask(d - c);
#pragma GCC unroll 4
    for (size_t i = 0; i < kRowGroup; ++i)
      if (i < valid) m[i] = _mm512_max_ps(m[i], _mm512_abs_ps(load16(x + i * ld + c, lanes)));
  }
  return _mm512_zextps128_ps512(reduce_rows(m, max_op));
}

// Rows [0, valid) of kRowGroup query rows (d floats at stride ld) to u8 round(q · 127 / max|q|)
// + 128 (padded head_dim bytes per row) with scale max|q| / 127 · factor.
template <class Element>
void quantize_queries(const Element* x, size_t ld, size_t d, size_t valid, float factor,
                      uint8_t* out, float* scale) {
  const size_t dp = round_up(d, kLanes);
  const Symmetric sym = symmetric(rows_abs_max(x, ld, d, valid));
  _mm_mask_storeu_ps(scale, static_cast<__mmask8>((1u << valid) - 1),
                     _mm512_castps512_ps128(_mm512_mul_ps(sym.scale, _mm512_set1_ps(factor))));
  for (size_t c = 0; c < dp; c += kLanes) {
    const __mmask16 lanes = lanes_mask(d - c);
#pragma GCC unroll 4
    for (size_t i = 0; i < kRowGroup; ++i)
      if (i < valid) {
        const __m512i u = _mm512_add_epi32(quantize16(x + i * ld + c, lanes, lane(sym.inverse, i)),
                                           _mm512_set1_epi32(128));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i * dp + c), _mm512_cvtepi32_epi8(u));
      }
  }
}

// Where key j of a group of kKeyGroup sits among score_group's four 16-lane vectors: lane
// (j / 16)·4 + j % 4 of vector (j / 4) % 4, so that exponentiate's two rounds of saturating packs
// (which interleave 128-bit lanes) put the probabilities back in key order. Keys 4i..4i+3 are
// neighbours.
constexpr size_t packed_key_position(size_t j) {
  return (j / 4) % 4 * kLanes + j / 16 * 4 + j % 4;
}

// Rounding offsets for the u8 probabilities (key_dither), per packed key position.
struct Dither {
  alignas(64) float u[kKeyGroup];
};
constexpr Dither make_dither() {
  Dither d{};
  for (size_t j = 0; j < kKeyGroup; ++j) d.u[packed_key_position(j)] = key_dither(j);
  return d;
}
constexpr Dither kDither = make_dither();

// Packs kRowGroup keys (d floats at stride ld) at positions position..position+3 of a group
// (packed_key_position of a multiple of 4): key p's channels 4c..4c+3 are the dword at byte
// p · 4 + 4c · kKeyGroup, so one 64-byte load holds 4 channels of 16 keys. Keys ≥ valid are
// padding: zero, with scale 0 and an offset of -inf that masks them out of the softmax.
template <class Element>
void pack_keys(const Element* x, size_t ld, size_t d, size_t valid, int8_t* group, size_t position,
               float* scale, float* offset) {
  const size_t dp = round_up(d, kLanes);
  const Symmetric sym = symmetric(rows_abs_max(x, ld, d, valid));
  __m512i sums[kRowGroup];
#pragma GCC unroll 4
  for (size_t i = 0; i < kRowGroup; ++i) sums[i] = _mm512_setzero_si512();
  for (size_t c = 0; c < dp; c += kLanes) {
    const __mmask16 lanes = lanes_mask(d - c);
    __m128i b[kRowGroup];
#pragma GCC unroll 4
    for (size_t i = 0; i < kRowGroup; ++i) {
      b[i] = _mm_setzero_si128();
      if (i < valid) {
        const __m512i qk = quantize16(x + i * ld + c, lanes, lane(sym.inverse, i));
        sums[i] = _mm512_add_epi32(sums[i], qk);
        b[i] = _mm512_cvtsepi32_epi8(qk);
      }
    }
    // Transpose 4 keys × 4 dwords: one 16-byte store per 4 channels.
    const __m128i lo01 = _mm_unpacklo_epi32(b[0], b[1]), hi01 = _mm_unpackhi_epi32(b[0], b[1]);
    const __m128i lo23 = _mm_unpacklo_epi32(b[2], b[3]), hi23 = _mm_unpackhi_epi32(b[2], b[3]);
    const __m128i dwords[4] = {_mm_unpacklo_epi64(lo01, lo23), _mm_unpackhi_epi64(lo01, lo23),
                               _mm_unpacklo_epi64(hi01, hi23), _mm_unpackhi_epi64(hi01, hi23)};
    for (size_t k = 0; k < 4; ++k)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(group + (c + 4 * k) * kKeyGroup + position * 4),
                       dwords[k]);
  }
  __m512 sums_f[kRowGroup];
  for (size_t i = 0; i < kRowGroup; ++i) sums_f[i] = _mm512_cvtepi32_ps(sums[i]);
  const __m128 key_scale = _mm512_castps512_ps128(sym.scale);
  const __m128 compensation =
      _mm_mul_ps(_mm_mul_ps(reduce_rows(sums_f, add_op), key_scale), _mm_set1_ps(-128.0f));
  const __mmask8 real = static_cast<__mmask8>((1u << valid) - 1);
  _mm_storeu_ps(scale + position, _mm_maskz_mov_ps(real, key_scale));
  _mm_storeu_ps(offset + position, _mm_mask_mov_ps(_mm_set1_ps(-INFINITY), real, compensation));
}

// col_max[c] = max(col_max[c], |v[c]|) for the d values of one row of one head.
template <class Element>
void raise_column_max(const Element* v, size_t d, float* col_max) {
  for (size_t c = 0; c < d; c += kLanes)
    _mm512_storeu_ps(col_max + c, _mm512_max_ps(_mm512_loadu_ps(col_max + c),
                                                _mm512_abs_ps(load16(v + c, lanes_mask(d - c)))));
}

// Quantizes `rows` rows (zeros past them, up to `padded`) of one head's values with one scale
// per channel into 4-key dwords per channel, dst[j / 4][c][j % 4]. scale holds each channel's
// maximum |v| over the rows on entry (raise_column_max) and max / 127 on return.
template <class Element>
void pack_values(const Element* v, size_t ld, size_t rows, size_t padded, size_t d, int8_t* dst,
                 float* scale) {
  const size_t dp = round_up(d, kLanes);
  for (size_t c = 0; c < dp; c += kLanes) {
    const Symmetric sym = symmetric(_mm512_loadu_ps(scale + c));
    _mm512_storeu_ps(scale + c, sym.scale);
    const __m512 inv = sym.inverse;
    const __mmask16 lanes = lanes_mask(d - c);
    for (size_t j = 0; j < padded; j += 4) {
      __m128i r[4];
#pragma GCC unroll 4
      for (size_t i = 0; i < 4; ++i)
        r[i] = j + i < rows ? _mm512_cvtsepi32_epi8(quantize16(v + (j + i) * ld + c, lanes, inv))
                            : _mm_setzero_si128();
      // Transpose 4 rows × 16 channels of bytes into 16 channels × 4 rows.
      const __m128i lo01 = _mm_unpacklo_epi8(r[0], r[1]), hi01 = _mm_unpackhi_epi8(r[0], r[1]);
      const __m128i lo23 = _mm_unpacklo_epi8(r[2], r[3]), hi23 = _mm_unpackhi_epi8(r[2], r[3]);
      __m128i* out = reinterpret_cast<__m128i*>(dst + j * dp + c * 4);
      _mm_storeu_si128(out + 0, _mm_unpacklo_epi16(lo01, lo23));
      _mm_storeu_si128(out + 1, _mm_unpackhi_epi16(lo01, lo23));
      _mm_storeu_si128(out + 2, _mm_unpacklo_epi16(hi01, hi23));
      _mm_storeu_si128(out + 3, _mm_unpackhi_epi16(hi01, hi23));
    }
  }
}

// Scores of kRowGroup query rows against one packed group of 64 keys, without the query scales:
// t[i][j] = (Σ u8 q[i]·k[j] - 128·Σ k[j]) · k_scale[j]. Stores them at t (row stride ldt) and
// raises vmax[i] to their maximum.
void score_group(const uint8_t* q, size_t dp, const int8_t* k, const float* k_scale,
                 const float* k_offset, float* t, size_t ldt, __m512 vmax[kRowGroup]) {
  __m512i acc[kRowGroup][4];
  dot_rows<4>(q, dp, dp, k, 4 * 64, acc);
#pragma GCC unroll 4
  for (size_t v = 0; v < 4; ++v) {
    const __m512 scale = _mm512_loadu_ps(k_scale + v * kLanes);
    const __m512 offset = _mm512_loadu_ps(k_offset + v * kLanes);
#pragma GCC unroll 4
    for (size_t i = 0; i < kRowGroup; ++i) {
      const __m512 s = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i][v]), scale, offset);
      _mm512_storeu_ps(t + i * ldt + v * kLanes, s);
      vmax[i] = _mm512_max_ps(vmax[i], s);
    }
  }
}

// p[i][j] = floor(255 · 2^(a[i]·t[i][j] - m[i]) + kDither) for kRowGroup rows and j < n (a
// multiple of kKeyGroup), where m[i] ≥ a[i]·t[i][j] and t is in score_group's order; returns the
// row sums of p. The exponent is clamped at -24, where the result is 0 (padding has t = -inf).
// The rows are interleaved for the parallelism their independent chains give.
__m128 exponentiate(const float* t, size_t ldt, size_t n, __m128 a, __m128 m, uint8_t* p,
                    size_t ldp) {
  alignas(16) float as[kRowGroup], ms[kRowGroup];
  _mm_store_ps(as, a);
  _mm_store_ps(ms, m);
  const __m512 lo = _mm512_set1_ps(-24.0f);
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i sums[kRowGroup];
  for (size_t i = 0; i < kRowGroup; ++i) sums[i] = _mm512_setzero_si512();
  for (size_t j = 0; j < n; j += kKeyGroup) {
#pragma GCC unroll 4
    for (size_t i = 0; i < kRowGroup; ++i) {
      const __m512 va = _mm512_set1_ps(as[i]), neg_m = _mm512_set1_ps(-ms[i]);
      __m512i e[4];
#pragma GCC unroll 4
      for (size_t v = 0; v < 4; ++v) {
        const __m512 x = _mm512_fmadd_ps(_mm512_loadu_ps(t + i * ldt + j + v * kLanes), va, neg_m);
        const __m512 p255 = exp2_poly<3>(_mm512_max_ps(x, lo), kExp2Times255);
        e[v] = _mm512_cvttps_epi32(_mm512_add_ps(p255, _mm512_load_ps(kDither.u + v * kLanes)));
      }
      const __m512i bytes =
          _mm512_packus_epi16(_mm512_packus_epi32(e[0], e[1]), _mm512_packus_epi32(e[2], e[3]));
      sums[i] = _mm512_dpbusd_epi32(sums[i], bytes, ones);
      _mm512_storeu_si512(p + i * ldp + j, bytes);
    }
  }
  __m512 sums_f[kRowGroup];
  for (size_t i = 0; i < kRowGroup; ++i) sums_f[i] = _mm512_cvtepi32_ps(sums[i]);
  return reduce_rows(sums_f, add_op);
}

// acc[i][0, 16·kVectors) = alpha[i] · acc[i] + beta[i] · v_scale · Σ_j p[i][j] · v[j] over n keys
// (a multiple of 4) for kRowGroup rows: u8 probabilities (row stride ldp) times s8 values packed
// as [n / 4][dp][4], starting at this channel chunk.
template <int kVectors>
void weigh_values(const uint8_t* p, size_t ldp, size_t n, const int8_t* v, const float* v_scale,
                  size_t dp, const float* alpha, const float* beta, float* acc, size_t ld_acc) {
  __m512i sum[kRowGroup][4];
  dot_rows<kVectors>(p, ldp, n, v, 4 * dp, sum);
#pragma GCC unroll 4
  for (size_t i = 0; i < kRowGroup; ++i) {
    const __m512 a = _mm512_set1_ps(alpha[i]), b = _mm512_set1_ps(beta[i]);
#pragma GCC unroll 4
    for (int c = 0; c < kVectors; ++c) {
      float* o = acc + i * ld_acc + c * kLanes;
      const __m512 w = _mm512_mul_ps(b, _mm512_loadu_ps(v_scale + c * kLanes));
      _mm512_storeu_ps(o, _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[i][c]), w,
                                          _mm512_mul_ps(_mm512_loadu_ps(o), a)));
    }
  }
}

void weigh_value_chunk(size_t vectors, const uint8_t* p, size_t ldp, size_t n, const int8_t* v,
                       const float* v_scale, size_t dp, const float* alpha, const float* beta,
                       float* acc, size_t ld_acc) {
  switch (vectors) {
    case 1:
      return weigh_values<1>(p, ldp, n, v, v_scale, dp, alpha, beta, acc, ld_acc);
    case 2:
      return weigh_values<2>(p, ldp, n, v, v_scale, dp, alpha, beta, acc, ld_acc);
    case 3:
      return weigh_values<3>(p, ldp, n, v, v_scale, dp, alpha, beta, acc, ld_acc);
    default:
      return weigh_values<4>(p, ldp, n, v, v_scale, dp, alpha, beta, acc, ld_acc);
  }
}

// attend()'s working memory, carved from the caller's scratch at 64-byte boundaries.
struct Scratch {
  float* acc;      // [rows][dp]: unnormalised outputs
  float* row_max;  // [rows]: running maximum of the log2-domain scores
  float* row_sum;  // [rows]: running Σ p
  float* scores;   // [kRowGroup][kKeyBlock]
  uint8_t* probs;  // [kRowGroup][kKeyBlock]
  size_t bytes;
};

// Starts at the first 64-byte boundary from base; bytes counts the room needed to get there.
Scratch carve(void* base, size_t rows, size_t dp) {
  Scratch s{};
  size_t at = (64 - reinterpret_cast<uintptr_t>(base) % 64) % 64;
  const auto take = [&](size_t bytes) {
    void* p = static_cast<char*>(base) + at;
    at += round_up(bytes, 64);
    return p;
  };
  s.acc = static_cast<float*>(take(rows * dp * sizeof(float)));
  s.row_max = static_cast<float*>(take(rows * sizeof(float)));
  s.row_sum = static_cast<float*>(take(rows * sizeof(float)));
  s.scores = static_cast<float*>(take(kRowGroup * kKeyBlock * sizeof(float)));
  s.probs = static_cast<uint8_t*>(take(kRowGroup * kKeyBlock));
  s.bytes = at + 63;
  return s;
}

template <class Element>
void pack_block_of(const Element* q, const Element* k, const Element* v, size_t ld, size_t rows,
                   float factor, size_t token, size_t key, const Int8Qkv& out) {
  const size_t d = out.head_dim, dp = padded_head_dim(d);
  const size_t padded = round_up(rows, kKeyGroup);
  // The block's rows come from memory (or L3) once, each in order across all heads: a head's
  // slice of a row is a few lines, and the rows lie a whole QKV row apart, so reading them head
  // by head would leave the hardware prefetchers nothing to follow. The values' column maxima
  // take the rows in order; packing them then reads the rows from L2. Queries and keys go a
  // group of rows at a time, prefetching the next group's slice of each head meanwhile.
  const size_t v_scale_stride = out.keys / kKeyGroup * dp;
  float* v_scale = out.v_scale + key / kKeyGroup * dp;
  for (size_t h = 0; h < out.heads; ++h)
    memset(v_scale + h * v_scale_stride, 0, dp * sizeof(float));
  for (size_t r = 0; r < rows; ++r) {
    for (size_t h = 0; h < out.heads; ++h)
      raise_column_max(v + r * ld + h * d, d, v_scale + h * v_scale_stride);
  }
  for (size_t h = 0; h < out.heads; ++h)
    pack_values(v + h * d, ld, rows, padded, d, out.v + (h * out.keys + key) * dp,
                v_scale + h * v_scale_stride);
  for (size_t r = 0; r < padded; r += kRowGroup) {
    const size_t valid = r < rows ? min_size(kRowGroup, rows - r) : 0;
    const size_t next_valid = r + kRowGroup < rows ? min_size(kRowGroup, rows - r - kRowGroup) : 0;
    for (size_t h = 0; h < out.heads; ++h) {
      for (size_t i = 0; i < next_valid; ++i) {
        const size_t at = (r + kRowGroup + i) * ld + h * d;
        for (size_t byte = 0; byte < d * sizeof(Element); byte += 64) {  // a line at a time
          _mm_prefetch(reinterpret_cast<const char*>(q + at) + byte, _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(k + at) + byte, _MM_HINT_T0);
        }
      }
      const size_t qi = h * out.q_rows + token + r;
      if (valid)
        quantize_queries(q + r * ld + h * d, ld, d, valid, factor, out.q + qi * dp,
                         out.q_scale + qi);
      const size_t group = h * out.keys + key + r / kKeyGroup * kKeyGroup;
      pack_keys(k + r * ld + h * d, ld, d, valid, out.k + group * dp,
                packed_key_position(r % kKeyGroup), out.k_scale + group, out.k_offset + group);
    }
  }
}

}  // namespace

size_t padded_head_dim(size_t head_dim) {
  return round_up(head_dim, kLanes);
}

void pack_block(const float* q, const float* k, const float* v, size_t ld, size_t rows,
                float factor, size_t token, size_t key, const Int8Qkv& out) {
  pack_block_of(q, k, v, ld, rows, factor, token, key, out);
}

void pack_block(const uint16_t* q, const uint16_t* k, const uint16_t* v, size_t ld, size_t rows,
                float factor, size_t token, size_t key, const Int8Qkv& out) {
  pack_block_of(q, k, v, ld, rows, factor, token, key, out);
}

size_t attend_scratch_bytes(size_t rows, size_t head_dim) {
  return carve(nullptr, round_up(rows, kRowGroup), padded_head_dim(head_dim)).bytes;
}

void attend(const Int8Qkv& qkv, size_t head, size_t token, size_t rows, size_t key, size_t len,
            float* out, size_t ld_out, void* scratch) {
  const size_t d = qkv.head_dim, dp = padded_head_dim(d);
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
      __m512 vmax[kRowGroup];
      for (size_t i = 0; i < kRowGroup; ++i) vmax[i] = _mm512_set1_ps(-INFINITY);
      for (size_t g = 0; g < n; g += kKeyGroup)
        score_group(q + r0 * dp, dp, qkv.k + (j0 + g) * dp, qkv.k_scale + j0 + g,
                    qkv.k_offset + j0 + g, s.scores + g, kKeyBlock, vmax);
      // Each block is quantized against its own maximum, then rescaled to the running one:
      // acc = alpha · acc + beta · block, alpha = 2^(old max - new max), beta = 2^(block - new).
      const __m128 a = _mm_loadu_ps(q_scale + r0);
      const __m128 block_max = _mm_mul_ps(a, reduce_rows(vmax, max_op));
      const __m128 block_sum =
          exponentiate(s.scores, kKeyBlock, n, a, block_max, s.probs, kKeyBlock);
      const __m128 old_max = _mm_loadu_ps(s.row_max + r0);
      const __m128 new_max = _mm_max_ps(old_max, block_max);
      _mm_storeu_ps(s.row_max + r0, new_max);
      // Clamped: the first block's old maximum is -inf (2^-100 still zeroes the empty sums).
      const __m512 exponents = _mm512_max_ps(
          _mm512_insertf32x4(
              _mm512_insertf32x4(_mm512_setzero_ps(), _mm_sub_ps(old_max, new_max), 0),
              _mm_sub_ps(block_max, new_max), 1),
          _mm512_set1_ps(-100.0f));
      alignas(64) float factors[kLanes];
      _mm512_store_ps(factors, exp2_poly<5>(exponents, kExp2));
      const float* alpha = factors;
      const float* beta = factors + kRowGroup;
      _mm_storeu_ps(s.row_sum + r0,
                    _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(s.row_sum + r0), _mm_load_ps(alpha)),
                               _mm_mul_ps(block_sum, _mm_load_ps(beta))));
      for (size_t c = 0; c < dp; c += 4 * kLanes)
        weigh_value_chunk(min_size(4, (dp - c) / kLanes), s.probs, kKeyBlock, n,
                          qkv.v + j0 * dp + c * 4, qkv.v_scale + j0 / kKeyGroup * dp + c, dp, alpha,
                          beta, s.acc + r0 * dp + c, dp);
    }
  }
  for (size_t r = 0; r < rows; ++r) {
    const __m512 inv_sum = _mm512_set1_ps(1.0f / s.row_sum[r]);
    for (size_t c = 0; c < d; c += kLanes)
      _mm512_mask_storeu_ps(out + r * ld_out + c, lanes_mask(d - c),
                            _mm512_mul_ps(_mm512_loadu_ps(s.acc + r * dp + c), inv_sum));
  }
}

}  // namespace embed::kernels::vnni
