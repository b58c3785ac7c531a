// Compiled twice by kernels/CMakeLists.txt: with the AVX-512 flags (EMBED_ATTENTION_F32_AVX512,
// namespace avx512) and with the AVX2 flags (namespace avx2). Like panel_gemm.cpp it emits no STL
// code out of line (nm shows no weak symbols), so that the linker cannot pick a wider copy of an
// inline function for callers on other CPUs.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention_f32.h"
#include "kernels/fast_activation.h"
#include "kernels/lanes_mask.h"

#if defined(EMBED_ATTENTION_F32_AVX512)
#define EMBED_ATTENTION_ISA avx512
#else
#include "kernels/avx2_lanes.h"
#define EMBED_ATTENTION_ISA avx2
#endif

namespace embed::kernels::EMBED_ATTENTION_ISA {
namespace {

#if defined(EMBED_ATTENTION_F32_AVX512)
using Vec = __m512;
using Arch = xsimd::avx512bw;
constexpr size_t kLanes = 16;
// The widest tile: 6 rows × 4 vectors, or 12 rows × 2, 24 accumulators of the 32 registers.
constexpr size_t kMaxVecs = 4;

Vec broadcast(float x) {
  return _mm512_set1_ps(x);
}
Vec load(const float* p) {
  return _mm512_loadu_ps(p);
}
Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm512_fmadd_ps(a, b, c);
}
// The first `valid` (≤ kLanes) values at p, zero elsewhere; their store; v with the lanes past
// them zeroed; and `largest` raised by them.
Vec load_first(const float* p, size_t valid) {
  return _mm512_maskz_loadu_ps(lanes_mask(valid), p);
}
void store_first(float* p, size_t valid, Vec v) {
  _mm512_mask_storeu_ps(p, lanes_mask(valid), v);
}
Vec keep_first(Vec v, size_t valid) {
  return _mm512_maskz_mov_ps(lanes_mask(valid), v);
}
Vec max_first(Vec largest, Vec v, size_t valid) {
  return _mm512_mask_max_ps(largest, lanes_mask(valid), largest, v);
}
float reduce_max(Vec v) {
  return _mm512_reduce_max_ps(v);
}
float reduce_add(Vec v) {
  return _mm512_reduce_add_ps(v);
}
#else
using Vec = __m256;
using Arch = xsimd::fma3<xsimd::avx2>;
constexpr size_t kLanes = 8;
// The widest tile: 6 rows × 2 vectors, 12 accumulators; with 2 loaded vectors and the broadcast,
// 15 of the 16 registers.
constexpr size_t kMaxVecs = 2;

Vec broadcast(float x) {
  return _mm256_set1_ps(x);
}
Vec load(const float* p) {
  return _mm256_loadu_ps(p);
}
Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm256_fmadd_ps(a, b, c);
}
// As above; masked only when needed: on AMD's Zen cores a masked store is microcoded.
Vec load_first(const float* p, size_t valid) {
  return valid >= kLanes ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, first_lanes(valid));
}
void store_first(float* p, size_t valid, Vec v) {
  if (valid >= kLanes)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, first_lanes(valid), v);
}
Vec keep_first(Vec v, size_t valid) {
  return valid >= kLanes ? v : _mm256_and_ps(v, _mm256_castsi256_ps(first_lanes(valid)));
}
Vec max_first(Vec largest, Vec v, size_t valid) {
  return _mm256_max_ps(largest,
                       _mm256_blendv_ps(largest, v, _mm256_castsi256_ps(first_lanes(valid))));
}
#endif
using Batch = xsimd::batch<float, Arch>;

// Values per block of weighted_values: a block's rows of one head (128 KB at head_dim 64) stay in
// L2 while every row tile of the queries passes over them.
constexpr size_t kValueBlock = 512;

// c[r][0, kLanes·Vecs) = factors[r · factor_step] · Σ_t a[r][t] · b[t][·] (+ c[r][·] when
// accumulate), for Rows rows of a (stride lda) and depth rows of b (stride ldb, whole vectors);
// only the first valid columns of c are written. With row_max, row_max[r] is raised to the
// largest value written to row r. Rows × Vecs accumulators stay in registers for the whole depth.
template <size_t Rows, size_t Vecs>
void tile(const float* a, size_t lda, const float* b, size_t ldb, size_t depth, float* c,
          size_t ldc, size_t valid, const float* factors, size_t factor_step, bool accumulate,
          float* row_max) {
  Vec acc[Rows][Vecs];
#pragma GCC unroll 12
  for (size_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (size_t v = 0; v < Vecs; ++v) acc[r][v] = broadcast(0.0f);
  for (size_t t = 0; t < depth; ++t) {
    Vec w[Vecs];
#pragma GCC unroll 4
    for (size_t v = 0; v < Vecs; ++v) w[v] = load(b + t * ldb + kLanes * v);
#pragma GCC unroll 12
    for (size_t r = 0; r < Rows; ++r) {
      const Vec factor = broadcast(a[r * lda + t]);
#pragma GCC unroll 4
      for (size_t v = 0; v < Vecs; ++v) acc[r][v] = fmadd(factor, w[v], acc[r][v]);
    }
  }
  size_t valid_in[Vecs];
#pragma GCC unroll 4
  for (size_t v = 0; v < Vecs; ++v)
    valid_in[v] = valid > kLanes * v ? std::min(valid - kLanes * v, kLanes) : 0;
#pragma GCC unroll 12
  for (size_t r = 0; r < Rows; ++r) {
    const Batch factor(factors[r * factor_step]);
    Vec largest = broadcast(-INFINITY);
#pragma GCC unroll 4
    for (size_t v = 0; v < Vecs; ++v) {
      float* out = c + r * ldc + kLanes * v;
      Batch result = Batch(acc[r][v]) * factor;
      if (accumulate) result += Batch(load_first(out, valid_in[v]));
      store_first(out, valid_in[v], result);
      largest = max_first(largest, result, valid_in[v]);
    }
    if (row_max) row_max[r] = std::max(row_max[r], reduce_max(largest));
  }
}

using Tile = void (*)(const float*, size_t, const float*, size_t, size_t, float*, size_t, size_t,
                      const float*, size_t, bool, float*);

// Row tiles of up to 6 rows by their vectors, plus the shorter tiles that finish a block of rows.
constexpr size_t kRowsWide = 6;
template <size_t Vecs>
constexpr Tile kTilesOf[kRowsWide + 1] = {nullptr,       tile<1, Vecs>, tile<2, Vecs>,
                                          tile<3, Vecs>, tile<4, Vecs>, tile<5, Vecs>,
                                          tile<6, Vecs>};
// Score tiles by the vectors of keys they cover: a short sequence's one panel is mostly padding,
// which the full width would multiply too (4x the products at 16 keys on AVX-512).
#if defined(EMBED_ATTENTION_F32_AVX512)
constexpr const Tile* kScoreTiles[kMaxVecs + 1] = {nullptr, kTilesOf<1>, kTilesOf<2>, kTilesOf<3>,
                                                   kTilesOf<4>};
// head_dim 32: 12 rows × 2 vectors, as many accumulators as 6 × 4.
constexpr size_t kRowsNarrow = 12;
constexpr Tile kNarrowTiles[kRowsNarrow + 1] = {
    nullptr,    tile<1, 2>, tile<2, 2>, tile<3, 2>,  tile<4, 2>,  tile<5, 2>, tile<6, 2>,
    tile<7, 2>, tile<8, 2>, tile<9, 2>, tile<10, 2>, tile<11, 2>, tile<12, 2>};
#else
constexpr const Tile* kScoreTiles[kMaxVecs + 1] = {nullptr, kTilesOf<1>, kTilesOf<2>};
#endif

// The tiles weighted_values runs for a head dimension: their rows, and the output columns each
// covers (the head's columns are split into chunks of that many).
struct ValueTiles {
  const Tile* tiles;
  size_t rows, columns;
};
ValueTiles value_tiles(size_t head_dim) {
#if defined(EMBED_ATTENTION_F32_AVX512)
  if (head_dim != kLanes * kMaxVecs) return {kNarrowTiles, kRowsNarrow, head_dim};
#endif
  (void)head_dim;
  return {kTilesOf<kMaxVecs>, kRowsWide, kLanes * kMaxVecs};
}

void pack_keys(const float* k, size_t ld, size_t len, size_t head_dim, float* panels) {
  for (size_t first = 0; first < len; first += kKeyPanel) {
    float* panel = panels + first * head_dim;
    const size_t keys = std::min(kKeyPanel, len - first);
    // Key-outer: each key's row is read in order; the panel being written stays in L1.
    for (size_t j = 0; j < keys; ++j)
      for (size_t t = 0; t < head_dim; ++t) panel[t * kKeyPanel + j] = k[(first + j) * ld + t];
    // Zeros up to the panel's last vector of keys, the last one scores() reads.
    const size_t padded = (keys + 15) / 16 * 16;
    for (size_t t = 0; t < head_dim; ++t)
      std::fill(panel + t * kKeyPanel + keys, panel + t * kKeyPanel + padded, 0.0f);
  }
}

void scores(const float* q, size_t ld, size_t rows, const float* panels, size_t len,
            size_t head_dim, float scale, float* s, size_t lds, float* row_max) {
  std::fill(row_max, row_max + rows, -INFINITY);
  // Panel-outer: one panel of keys (16 KB at head_dim 64) stays in L1 across the row tiles.
  for (size_t first = 0; first < len; first += kKeyPanel) {
    const float* panel = panels + first * head_dim;
    const size_t keys = std::min(kKeyPanel, len - first);
    for (size_t c = 0; c < keys; c += kLanes * kMaxVecs) {
      const size_t chunk = std::min(kLanes * kMaxVecs, keys - c);
      const Tile* tiles = kScoreTiles[(chunk + kLanes - 1) / kLanes];
      for (size_t r = 0; r < rows; r += kRowsWide) {
        const size_t tile_rows = std::min(kRowsWide, rows - r);
        tiles[tile_rows](q + r * ld, ld, panel + c, kKeyPanel, head_dim, s + r * lds + first + c,
                         lds, chunk, &scale, 0, false, row_max + r);
      }
    }
  }
}

void exponentiate_rows(float* s, size_t lds, size_t rows, size_t len, const float* row_max,
                       float* inverse_sums) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = s + r * lds;
    const Batch largest(row_max[r]);
    Batch sum(0.0f);
    for (size_t j = 0; j < len; j += kLanes) {
      const size_t valid = std::min(kLanes, len - j);
      const Batch e = fast_exp_nonpositive(Batch(load_first(row + j, valid)) - largest);
      store_first(row + j, valid, e);
      sum += Batch(keep_first(e, valid));
    }
    inverse_sums[r] = 1.0f / reduce_add(sum);
  }
}

void weighted_values(const float* p, size_t lds, size_t rows, const float* v, size_t ld, size_t len,
                     size_t head_dim, const float* row_scale, float* out, size_t ld_out) {
  const ValueTiles value = value_tiles(head_dim);
  for (size_t first = 0; first < len; first += kValueBlock) {
    const size_t depth = std::min(kValueBlock, len - first);
    for (size_t c = 0; c < head_dim; c += value.columns)
      for (size_t r = 0; r < rows; r += value.rows) {
        const size_t tile_rows = std::min(value.rows, rows - r);
        value.tiles[tile_rows](p + r * lds + first, lds, v + first * ld + c, ld, depth,
                               out + r * ld_out + c, ld_out, std::min(value.columns, head_dim - c),
                               row_scale + r, 1, first > 0, nullptr);
      }
  }
}

}  // namespace

const F32AttentionKernels kF32Attention = {pack_keys, scores, exponentiate_rows, weighted_values};

}  // namespace embed::kernels::EMBED_ATTENTION_ISA
