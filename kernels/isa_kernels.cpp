// The SIMD kernels, written once over an xsimd architecture and compiled once per instruction set
// (kernels/CMakeLists.txt defines EMBED_KERNEL_ISA_<isa> and the matching -m flags). Everything
// here is in an anonymous namespace or templated on the architecture, and no STL template is
// instantiated: an inline function emitted by two of these objects would be merged by the linker,
// and the survivor could carry AVX-512 code into the generic path.
#include <xsimd/xsimd.hpp>

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/fast_activation.h"
#include "kernels/kernel_table.h"
#include "kernels/lanes_mask.h"

#if defined(EMBED_KERNEL_ISA_generic)
#define EMBED_ISA_ARCH xsimd::sse2
#define EMBED_ISA_TABLE kernel_table_generic
#elif defined(EMBED_KERNEL_ISA_avx2)
#define EMBED_ISA_ARCH xsimd::fma3<xsimd::avx2>
#define EMBED_ISA_TABLE kernel_table_avx2
#elif defined(EMBED_KERNEL_ISA_avx512)
#define EMBED_ISA_ARCH xsimd::avx512bw
#define EMBED_ISA_TABLE kernel_table_avx512
#else
#error "isa_kernels.cpp is compiled once per ISA with EMBED_KERNEL_ISA_<isa> defined"
#endif

namespace embed::kernels {
namespace {

using Arch = EMBED_ISA_ARCH;
using Batch = xsimd::batch<float, Arch>;
constexpr size_t kWidth = Batch::size;

// Calls f(offset, lanes) over [0, n): whole batches, then one partial batch for the tail, so each
// kernel body is written once and the tail needs no scalar twin.
template <class F>
inline void for_batches(size_t n, F&& f) {
  size_t i = 0;
  for (; i + kWidth <= n; i += kWidth) f(i, kWidth);
  if (i < n) f(i, n - i);
}

// Loads `lanes` floats; the lanes past them hold `fill`, chosen so they drop out of reductions.
inline Batch load(const float* p, size_t lanes, float fill = 0.0f) {
  if (lanes == kWidth) return Batch::load_unaligned(p);
  alignas(Arch::alignment()) float buf[kWidth];
  for (size_t i = 0; i < kWidth; ++i) buf[i] = i < lanes ? p[i] : fill;
  return Batch::load_aligned(buf);
}

inline void store(float* p, size_t lanes, const Batch& v) {
  if (lanes == kWidth) return v.store_unaligned(p);
  alignas(Arch::alignment()) float buf[kWidth];
  v.store_aligned(buf);
  for (size_t i = 0; i < lanes; ++i) p[i] = buf[i];
}

inline float horizontal_max(const Batch& v) {
  alignas(Arch::alignment()) float buf[kWidth];
  v.store_aligned(buf);
  float m = buf[0];
  for (size_t i = 1; i < kWidth; ++i) m = buf[i] > m ? buf[i] : m;
  return m;
}

void layer_norm_row(const float* x, const float* gamma, const float* beta, float eps, float* y,
                    size_t cols) {
  Batch sum(0.0f);
  for_batches(cols, [&](size_t i, size_t lanes) { sum += load(x + i, lanes); });
  const float mean = xsimd::hadd(sum) / static_cast<float>(cols);

  // Two-pass variance: centring first avoids the cancellation of E[x²] - mean². The sum of the
  // centred values also corrects the rounding error of the first-pass mean (Chan, Golub and
  // LeVeque's corrected two-pass algorithm), which matters when |mean| ≫ stddev.
  Batch dsum(0.0f), sq(0.0f);
  const Batch first_mean(mean);
  for_batches(cols, [&](size_t i, size_t lanes) {
    const Batch d = load(x + i, lanes, mean) - first_mean;
    dsum += d;
    sq = xsimd::fma(d, d, sq);
  });
  const float correction = xsimd::hadd(dsum) / static_cast<float>(cols);
  const float var = xsimd::hadd(sq) / static_cast<float>(cols) - correction * correction;
  const float rstd = 1.0f / std::sqrt((var > 0.0f ? var : 0.0f) + eps);

  const Batch vmean(mean + correction);
  const Batch vrstd(rstd);
  for_batches(cols, [&](size_t i, size_t lanes) {
    const Batch n = (load(x + i, lanes) - vmean) * vrstd;
    store(y + i, lanes, xsimd::fma(n, load(gamma + i, lanes), load(beta + i, lanes)));
  });
}

void layer_norm(const float* x, const float* gamma, const float* beta, float eps, float* y,
                size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r)
    layer_norm_row(x + r * cols, gamma, beta, eps, y + r * cols, cols);
}

template <class F>
void map_in_place(float* x, size_t n, F&& f) {
  for_batches(n, [&](size_t i, size_t lanes) { store(x + i, lanes, f(load(x + i, lanes))); });
}

// Exact GELU, x/2 · erfc(-x/√2) (equal to x/2 · (1 + erf(x/√2)) without its cancellation for
// x ≪ 0). It is evaluated in double: xsimd's float erfc is off by up to ~1e-6 relative (it rounds
// z² before exp(-z²)), while in double the result is correctly rounded to float almost always.
inline Batch gelu_erf(const Batch& v) {
  using Wide = xsimd::batch<double, Arch>;
  alignas(Arch::alignment()) float buf[kWidth];
  v.store_aligned(buf);
  for (size_t i = 0; i < kWidth; i += Wide::size) {
    const Wide d = Wide::load_aligned(buf + i);
    (Wide(0.5) * d * xsimd::erfc(d * Wide(-0.70710678118654752440))).store_aligned(buf + i);
  }
  return Batch::load_aligned(buf);
}

void activation(Activation act, float* x, size_t n) {
  const Batch half(0.5f);
  switch (act) {
    case Activation::GeluErf: {
      map_in_place(x, n, gelu_erf);
      break;
    }
    case Activation::GeluTanh: {
      const Batch c(0.79788456080286536f);  // √(2/π)
      const Batch c3(0.044715f * 0.79788456080286536f);
      const Batch one(1.0f);
      map_in_place(x, n, [&](Batch v) {
        const Batch inner = v * xsimd::fma(c3, v * v, c);
        return half * v * (one + xsimd::tanh(inner));
      });
      break;
    }
    case Activation::Relu: {
      const Batch zero(0.0f);
      map_in_place(x, n, [&](Batch v) { return xsimd::max(v, zero); });
      break;
    }
    case Activation::None:
      break;
  }
}

void softmax_rows(float* x, size_t rows, size_t cols) {
  const float neg_inf = -INFINITY;
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    Batch vmax(neg_inf);
    for_batches(cols, [&](size_t i, size_t lanes) {
      vmax = xsimd::max(vmax, load(row + i, lanes, neg_inf));
    });
    const Batch row_max(horizontal_max(vmax));
    // Padding lanes load as -inf so that exp gives 0 and the sum is unaffected.
    Batch sum(0.0f);
    for_batches(cols, [&](size_t i, size_t lanes) {
      const Batch e = xsimd::exp(load(row + i, lanes, neg_inf) - row_max);
      store(row + i, lanes, e);
      sum += e;
    });
    const Batch inv(1.0f / xsimd::hadd(sum));
    map_in_place(row, cols, [&](Batch v) { return v * inv; });
  }
}

void add(float* y, const float* x, size_t n) {
  for_batches(n, [&](size_t i, size_t lanes) {
    store(y + i, lanes, load(y + i, lanes) + load(x + i, lanes));
  });
}

void add_bias_rows(float* y, const float* bias, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) add(y + r * cols, bias, cols);
}

// The low byte of each of `lanes` int32 lanes, each in [0, 255]. AVX-512 narrows in one
// instruction (quantizing 512 rows of 4096 ran 1.4x slower through a buffer and byte stores).
template <class Ints>
inline void store_low_bytes(uint8_t* out, size_t lanes, const Ints& v) {
#if defined(EMBED_KERNEL_ISA_avx512)
  _mm_mask_storeu_epi8(out, lanes_mask(lanes), _mm512_cvtepi32_epi8(v));
#else
  alignas(Arch::alignment()) int32_t buf[kWidth];
  v.store_aligned(buf);
  for (size_t j = 0; j < lanes; ++j) out[j] = static_cast<uint8_t>(buf[j]);
#endif
}

// Loads `lanes` bf16 values (the high halves of floats) as floats; the lanes past them hold 0.
inline Batch load(const uint16_t* p, size_t lanes) {
  alignas(Arch::alignment()) uint16_t buf[kWidth] = {};
  if (lanes < kWidth) {
    for (size_t i = 0; i < lanes; ++i) buf[i] = p[i];
    p = buf;
  }
#if defined(EMBED_KERNEL_ISA_avx512)
  const __m512i wide =
      _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
#elif defined(EMBED_KERNEL_ISA_avx2)
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
#else
  // Interleaving zeros below each value puts it in the high half of a 32-bit lane.
  return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(),
                                             _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
#endif
}

// Over f32 rows, or bf16 rows (uint16_t) widened exactly to f32 first.
template <class Element>
void quantize_rows(const Element* x, size_t rows, size_t cols, QuantizationLevels levels,
                   uint8_t* q, float* scales) {
  using Ints = xsimd::batch<int32_t, Arch>;
  const Batch hi(static_cast<float>(levels.positive)), lo(-static_cast<float>(levels.negative));
  for (size_t r = 0; r < rows; ++r) {
    const Element* row = x + r * cols;
    uint8_t* out = q + r * cols;
    Batch most(0.0f), least(0.0f);
    for_batches(cols, [&](size_t i, size_t lanes) {
      const Batch v = load(row + i, lanes);
      most = xsimd::max(most, v);
      least = xsimd::max(least, -v);
    });
    // The side that sets the scale, as (reach, its levels): for symmetric levels, max |x|.
    const float highest = horizontal_max(most), lowest = horizontal_max(least);
    const bool by_negative = lowest * static_cast<float>(levels.positive) >
                             highest * static_cast<float>(levels.negative);
    const float reach = by_negative ? lowest : highest;
    const auto reach_levels = static_cast<float>(by_negative ? levels.negative : levels.positive);
    // Below the minimum levels / reach could overflow to inf; such a row is zero for any practical
    // use. The upper bound keeps the scale finite should a non-finite value slip through.
    const bool tiny = !(reach >= kMinQuantizedAbsMax && reach <= FLT_MAX);
    scales[r] = tiny ? 1.0f : reach / reach_levels;
    const Batch inv(tiny ? 0.0f : reach_levels / reach);
    const Ints zp(levels.zero_point);
    for_batches(cols, [&](size_t i, size_t lanes) {
      const Batch v = xsimd::min(xsimd::max(load(row + i, lanes) * inv, lo), hi);
      store_low_bytes(out + i, lanes, xsimd::nearbyint_as_int(v) + zp);
    });
  }
}

void dequantize_rows(float* acc, const float* row_scales, const float* col_offsets,
                     const float* col_scales, const float* bias, Activation act, float* sum_into,
                     size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = acc + r * cols;
    const Batch row_scale(row_scales[r]);
    for_batches(cols, [&](size_t i, size_t lanes) {
      const Batch shifted = load(row + i, lanes) - load(col_offsets + i, lanes);
      const Batch b = bias ? load(bias + i, lanes) : Batch(0.0f);
      store(row + i, lanes,
            int8_epilogue_activation(
                act, xsimd::fma(shifted, row_scale * load(col_scales + i, lanes), b)));
    });
    if (sum_into) add(sum_into + r * cols, row, cols);
  }
}

}  // namespace

extern const KernelTable EMBED_ISA_TABLE = {layer_norm,
                                            activation,
                                            softmax_rows,
                                            add,
                                            add_bias_rows,
                                            quantize_rows<float>,
                                            quantize_rows<uint16_t>,
                                            dequantize_rows};

}  // namespace embed::kernels
