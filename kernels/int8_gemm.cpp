// Compiled with the AVX-512 flags of kernels/CMakeLists.txt; only the micro-kernel also uses
// VNNI (a function target), and nothing here runs unless vnni_active(). No STL code is emitted
// here out of line (nm shows no weak symbols): the linker could keep this AVX-512 copy of an
// inline function for callers on every CPU. Packing, which needs the STL, is in int8_panels.cpp.
#include "kernels/int8_gemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/fast_activation.h"
#include "kernels/isa.h"

namespace embed::kernels {
namespace {

using Batch = xsimd::batch<float, xsimd::avx512bw>;

// A micro-tile is up to kTileRows rows × one panel: 6 × 4 accumulators, 4 weight registers and
// one broadcast activation fill 29 of the 32 vector registers.
constexpr size_t kTileRows = 6;
constexpr size_t kColumnBlocks = kInt8PanelWidth / 16;
// Groups of four inputs per block of k: a 16 KB slice of a panel, which stays in L1 (streaming
// the whole panel from L2 for every micro-tile would be bound by L2 bandwidth).
constexpr size_t kQuadsPerBlock = 64;
// Up to this many rows, a GEMM streams its weights more than it computes, so threads split the
// panels (each weight byte is read once) rather than the rows.
constexpr size_t kMaxRowsForPanelSplit = 48;
// Activations of a row block stay in L2 (1 MB per core on the Xeons we target) while every panel
// passes over them; each block streams the whole weight matrix once, so blocks are as large as
// half of L2 allows (at k = 4096, 128 rows: 745 GOP/s against 590–700 with 64).
constexpr size_t kRowBlockBytes = size_t{512} << 10;

size_t round_up(size_t v, size_t multiple) {
  return (v + multiple - 1) / multiple * multiple;
}

// Grow-only, owned by the calling thread: each call's partial sums, one slice per team thread.
// Cache-line aligned: a tile's sums are stored and reloaded as whole vectors.
class PartialSums {
 public:
  ~PartialSums() { std::free(data_); }
  int32_t* get(size_t count) {
    if (count > capacity_) {
      std::free(data_);
      data_ = static_cast<int32_t*>(std::aligned_alloc(64, round_up(count * sizeof(int32_t), 64)));
      capacity_ = data_ ? count : 0;
      if (!data_) throw std::bad_alloc();
    }
    return data_;
  }

 private:
  int32_t* data_ = nullptr;
  size_t capacity_ = 0;
};

// Dequantizes, biases, activates (and accumulates) rows [begin, end) × one panel of sums (row
// stride kInt8PanelWidth) and stores their valid columns.
void store_rows(const int32_t* sums, size_t begin, size_t end, size_t col0, size_t n,
                const Int8GemmEpilogue& e, float* y) {
  const size_t blocks = std::min(kColumnBlocks, (n - col0 + 15) / 16);
  // Column-outer: each block's offsets, scales and bias are loaded once for all the rows.
  for (size_t b = 0; b < blocks; ++b) {
    const size_t j = col0 + 16 * b;
    const __mmask16 mask = n - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - j)) - 1);
    const __m512 offsets = _mm512_maskz_loadu_ps(mask, e.col_offsets + j);
    const Batch scales = _mm512_maskz_loadu_ps(mask, e.col_scales + j);
    const Batch bias = e.bias ? _mm512_maskz_loadu_ps(mask, e.bias + j) : _mm512_setzero_ps();
    for (size_t r = begin; r < end; ++r) {
      const __m512i ints = _mm512_loadu_si512(sums + (r - begin) * kInt8PanelWidth + 16 * b);
      const Batch shifted = _mm512_sub_ps(_mm512_cvtepi32_ps(ints), offsets);
      float* out = y + r * n + j;
      Batch v =
          fast_activation(e.activation, xsimd::fma(shifted, Batch(e.row_scales[r]) * scales, bias));
      if (e.accumulate) v += Batch(_mm512_maskz_loadu_ps(mask, out));
      _mm512_mask_storeu_ps(out, mask, v);
    }
  }
}

// sums[Rows][kInt8PanelWidth] (+)= a[Rows rows] · (count groups of four inputs of one panel).
// a points at the first input of the group; first starts the sums at zero. Meanwhile the tile
// prefetches `fetch_bytes` from `fetch` (line-aligned) into L2, fetch_per_quad of them per group.
template <size_t Rows>
[[gnu::target("avx512vnni")]] void accumulate_tile(const uint8_t* a, size_t lda,
                                                   const int8_t* quads, size_t count, int32_t* sums,
                                                   bool first, const char* fetch,
                                                   size_t fetch_bytes, size_t fetch_per_quad) {
  __m512i acc[Rows][kColumnBlocks];
#pragma GCC unroll 8
  for (size_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (size_t b = 0; b < kColumnBlocks; ++b)
      acc[r][b] =
          first ? _mm512_setzero_si512() : _mm512_loadu_si512(sums + r * kInt8PanelWidth + 16 * b);
  const char* const fetch_start = fetch;
  const char* const fetch_end = fetch + fetch_bytes;
  for (size_t q = 0; q < count; ++q) {
    const int8_t* quad = quads + q * kInt8QuadBytes;
    // Prefetches do not fault, so running past the packed weights is harmless.
    const char* due = std::min(fetch_end, fetch_start + (q + 1) * fetch_per_quad);
    for (; fetch < due; fetch += 64) _mm_prefetch(fetch, _MM_HINT_T1);
    __m512i w[kColumnBlocks];
#pragma GCC unroll 4
    for (size_t b = 0; b < kColumnBlocks; ++b) w[b] = _mm512_load_si512(quad + 64 * b);
#pragma GCC unroll 8
    for (size_t r = 0; r < Rows; ++r) {
      int32_t four;
      std::memcpy(&four, a + r * lda + 4 * q, sizeof four);
      const __m512i broadcast = _mm512_set1_epi32(four);
#pragma GCC unroll 4
      for (size_t b = 0; b < kColumnBlocks; ++b)
        acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], broadcast, w[b]);
    }
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (size_t b = 0; b < kColumnBlocks; ++b)
      _mm512_storeu_si512(sums + r * kInt8PanelWidth + 16 * b, acc[r][b]);
}

// accumulate_tile for 1 … kTileRows rows.
using AccumulateTile = void (*)(const uint8_t*, size_t, const int8_t*, size_t, int32_t*, bool,
                                const char*, size_t, size_t);
constexpr AccumulateTile kAccumulateTile[kTileRows + 1] = {nullptr,
                                                           accumulate_tile<1>,
                                                           accumulate_tile<2>,
                                                           accumulate_tile<3>,
                                                           accumulate_tile<4>,
                                                           accumulate_tile<5>,
                                                           accumulate_tile<6>};

// Rows [begin, end) × one panel: blocks of k whose slice of the panel stays in L1 while every
// micro-tile of the rows passes over it. The weights come from memory (few rows) or L3 (per
// block of many rows). Rather than the first tile over a slice fetching it while memory idles
// during the others, every tile prefetches an equal share of the next slice into L2 (which, for
// the last slice, is the next panel's first). Into L1 it would evict the slice in use, and L1
// prefetches stall once the line fill buffers are busy: perf put half of the first tile's
// samples on them. 1.08-1.19x at 8-48 rows with weights in memory, 1.02-1.03x at 512 rows
// (alternating in one process).
void panel_rows(const uint8_t* a, size_t lda, size_t begin, size_t end, const Int8PanelsView& w,
                size_t panel, const Int8GemmEpilogue& e, int32_t* partial, float* y) {
  const int8_t* data = w.data + panel * w.k_quads * kInt8QuadBytes;
  // Each tile's share of a slice in whole lines, and how much of it to request per group. Divided
  // here, once per panel: two divisions per tile cost 3% of a 16-row forward pass.
  const size_t tiles = (end - begin + kTileRows - 1) / kTileRows;
  const size_t share = (kQuadsPerBlock * kInt8QuadBytes / 64 + tiles - 1) / tiles * 64;
  const size_t share_per_quad = (share + kQuadsPerBlock - 1) / kQuadsPerBlock;
  for (size_t q0 = 0; q0 < w.k_quads; q0 += kQuadsPerBlock) {
    const size_t count = std::min(kQuadsPerBlock, w.k_quads - q0);
    const char* next = reinterpret_cast<const char*>(data + (q0 + count) * kInt8QuadBytes);
    for (size_t r = begin, tile = 0; r < end; r += kTileRows, ++tile) {
      const size_t rows = std::min(kTileRows, end - r);
      int32_t* sums = partial + (r - begin) * kInt8PanelWidth;
      kAccumulateTile[rows](a + r * lda + 4 * q0, lda, data + q0 * kInt8QuadBytes, count, sums,
                            q0 == 0, next + tile * share, share, share_per_quad);
      // The epilogue follows each tile's last block while its sums are still in L1.
      if (q0 + count == w.k_quads)
        store_rows(sums, r, r + rows, panel * kInt8PanelWidth, w.n, e, y);
    }
  }
}

}  // namespace

void int8_gemm(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
               const Int8GemmEpilogue& epilogue, float* y) {
  const size_t panels = (w.n + kInt8PanelWidth - 1) / kInt8PanelWidth;
  if (m == 0 || panels == 0) return;
  const size_t threads = omp_in_parallel() ? 1 : static_cast<size_t>(omp_get_max_threads());
  // Work items: row blocks × groups of panels, in equal shares per thread.
  size_t block_rows = m, groups = std::min(panels, threads);
  if (m > kMaxRowsForPanelSplit) {
    const size_t max_block = std::max(kTileRows, kRowBlockBytes / std::max<size_t>(lda, 1));
    const size_t blocks = round_up((m + max_block - 1) / max_block, threads);
    block_rows = round_up((m + blocks - 1) / blocks, kTileRows);
    groups = 1;
  }
  const size_t row_blocks = (m + block_rows - 1) / block_rows;
  const auto items = static_cast<ptrdiff_t>(row_blocks * groups);
  // Allocated here, where a failure can still throw, rather than inside the parallel region.
  thread_local PartialSums scratch;
  const size_t slice = block_rows * kInt8PanelWidth;
  int32_t* partial = scratch.get(threads * slice);
#pragma omp parallel if (items > 1 && threads > 1)
  {
    int32_t* mine = partial + static_cast<size_t>(omp_get_thread_num()) * slice;
#pragma omp for schedule(static)
    for (ptrdiff_t item = 0; item < items; ++item) {
      const size_t block = static_cast<size_t>(item) / groups;
      const size_t group = static_cast<size_t>(item) % groups;
      const size_t begin = block * block_rows, end = std::min(m, begin + block_rows);
      for (size_t p = panels * group / groups; p < panels * (group + 1) / groups; ++p)
        panel_rows(a, lda, begin, end, w, p, epilogue, mine, y);
    }
  }
}

}  // namespace embed::kernels
