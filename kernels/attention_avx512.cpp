// Compiled with the AVX-512 flags of kernels/CMakeLists.txt. Like panel_gemm.cpp it emits no STL
// code out of line (nm shows no weak symbols), so that the linker cannot pick an AVX-512 copy of
// an inline function for callers on other CPUs.
#include "kernels/attention_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/fast_activation.h"
#include "kernels/lanes_mask.h"

namespace embed::kernels::avx512 {
namespace {

// Values per block of weighted_values: a block's rows of one head (128 KB at head_dim 64) stay in
// L2 while every row tile of the queries passes over them.
constexpr size_t kValueBlock = 512;

// c[r][0, 16·Vecs) = factors[r · factor_step] · Σ_t a[r][t] · b[t][·] (+ c[r][·] when
// accumulate), for Rows rows of a (stride lda) and depth rows of b (stride ldb, whole vectors);
// only the first valid columns of c are written. With row_max, row_max[r] is raised to the
// largest value written to row r. Rows × Vecs accumulators stay in registers for the whole depth.
template <size_t Rows, size_t Vecs>
void tile(const float* a, size_t lda, const float* b, size_t ldb, size_t depth, float* c,
          size_t ldc, size_t valid, const float* factors, size_t factor_step, bool accumulate,
          float* row_max) {
  __m512 acc[Rows][Vecs];
#pragma GCC unroll 12
  for (size_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (size_t v = 0; v < Vecs; ++v) acc[r][v] = _mm512_setzero_ps();
  for (size_t t = 0; t < depth; ++t) {
    __m512 w[Vecs];
#pragma GCC unroll 4
    for (size_t v = 0; v < Vecs; ++v) w[v] = _mm512_loadu_ps(b + t * ldb + 16 * v);
#pragma GCC unroll 12
    for (size_t r = 0; r < Rows; ++r) {
      const __m512 broadcast = _mm512_set1_ps(a[r * lda + t]);
#pragma GCC unroll 4
      for (size_t v = 0; v < Vecs; ++v) acc[r][v] = _mm512_fmadd_ps(broadcast, w[v], acc[r][v]);
    }
  }
  __mmask16 masks[Vecs];
#pragma GCC unroll 4
  for (size_t v = 0; v < Vecs; ++v) masks[v] = valid > 16 * v ? lanes_mask(valid - 16 * v) : 0;
#pragma GCC unroll 12
  for (size_t r = 0; r < Rows; ++r) {
    const __m512 factor = _mm512_set1_ps(factors[r * factor_step]);
    __m512 largest = _mm512_set1_ps(-INFINITY);
#pragma GCC unroll 4
    for (size_t v = 0; v < Vecs; ++v) {
      float* out = c + r * ldc + 16 * v;
      __m512 result = _mm512_mul_ps(acc[r][v], factor);
      if (accumulate) result = _mm512_add_ps(result, _mm512_maskz_loadu_ps(masks[v], out));
      _mm512_mask_storeu_ps(out, masks[v], result);
      largest = _mm512_mask_max_ps(largest, masks[v], largest, result);
    }
    if (row_max) row_max[r] = std::max(row_max[r], _mm512_reduce_max_ps(largest));
  }
}

using Tile = void (*)(const float*, size_t, const float*, size_t, size_t, float*, size_t, size_t,
                      const float*, size_t, bool, float*);

// Row tiles: 6 rows × 4 vectors or 12 rows × 2 vectors, 24 accumulators either way, plus the
// shorter tiles that finish a block of rows.
constexpr size_t kRowsWide = 6, kRowsNarrow = 12;
template <size_t Vecs>
constexpr Tile kTilesOf[kRowsWide + 1] = {nullptr,       tile<1, Vecs>, tile<2, Vecs>,
                                          tile<3, Vecs>, tile<4, Vecs>, tile<5, Vecs>,
                                          tile<6, Vecs>};
constexpr const Tile* kWideTiles = kTilesOf<4>;
// Score tiles by the vectors of keys a panel holds: a short sequence's one panel is mostly
// padding, which the full width would multiply too (4x the products at 16 keys).
constexpr const Tile* kScoreTiles[kKeyPanel / 16 + 1] = {nullptr, kTilesOf<1>, kTilesOf<2>,
                                                         kTilesOf<3>, kTilesOf<4>};
constexpr Tile kNarrowTiles[kRowsNarrow + 1] = {
    nullptr,    tile<1, 2>, tile<2, 2>, tile<3, 2>,  tile<4, 2>,  tile<5, 2>, tile<6, 2>,
    tile<7, 2>, tile<8, 2>, tile<9, 2>, tile<10, 2>, tile<11, 2>, tile<12, 2>};

}  // namespace

bool supports_head_dim(size_t head_dim) {
  return head_dim == 32 || head_dim == 64;
}

size_t packed_keys_floats(size_t len, size_t head_dim) {
  return (len + kKeyPanel - 1) / kKeyPanel * kKeyPanel * head_dim;
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
    const Tile* tiles = kScoreTiles[(keys + 15) / 16];
    for (size_t r = 0; r < rows; r += kRowsWide) {
      const size_t tile_rows = std::min(kRowsWide, rows - r);
      tiles[tile_rows](q + r * ld, ld, panel, kKeyPanel, head_dim, s + r * lds + first, lds, keys,
                       &scale, 0, false, row_max + r);
    }
  }
}

void exponentiate_rows(float* s, size_t lds, size_t rows, size_t len, const float* row_max,
                       float* inverse_sums) {
  using Batch = xsimd::batch<float, xsimd::avx512bw>;
  for (size_t r = 0; r < rows; ++r) {
    float* row = s + r * lds;
    const Batch largest(row_max[r]);
    Batch sum(0.0f);
    for (size_t j = 0; j < len; j += 16) {
      const __mmask16 mask = lanes_mask(len - j);
      const Batch e = fast_exp_nonpositive(Batch(_mm512_maskz_loadu_ps(mask, row + j)) - largest);
      _mm512_mask_storeu_ps(row + j, mask, e);
      sum += Batch(_mm512_maskz_mov_ps(mask, e));
    }
    inverse_sums[r] = 1.0f / _mm512_reduce_add_ps(sum);
  }
}

void weighted_values(const float* p, size_t lds, size_t rows, const float* v, size_t ld, size_t len,
                     size_t head_dim, const float* row_scale, float* out, size_t ld_out) {
  const bool wide = head_dim == 64;
  const size_t max_rows = wide ? kRowsWide : kRowsNarrow;
  const Tile* tiles = wide ? kWideTiles : kNarrowTiles;
  for (size_t first = 0; first < len; first += kValueBlock) {
    const size_t depth = std::min(kValueBlock, len - first);
    for (size_t r = 0; r < rows; r += max_rows) {
      const size_t tile_rows = std::min(max_rows, rows - r);
      tiles[tile_rows](p + r * lds + first, lds, v + first * ld, ld, depth, out + r * ld_out,
                       ld_out, head_dim, row_scale + r, 1, first > 0, nullptr);
    }
  }
}

}  // namespace embed::kernels::avx512
