// Compiled twice (kernels/CMakeLists.txt): with the AVX-512 flags (EMBED_PANEL_GEMM_AVX512), where
// only the micro-kernel also uses VNNI (a function target) and nothing runs unless vnni_active();
// and with the AVX2 flags, for INT8 and F32 on CPUs without VNNI (namespace avx2). The two
// differ only in their micro-tiles and epilogues; blocking, prefetching and threading are shared.
// No STL code is emitted here out of line (nm shows no weak symbols): the linker could keep one
// ISA's copy of an inline function for callers on every CPU. Packing and the partial-sums
// scratch, which need the STL, are in panel_packing.cpp.
//
// INT8, F32 and BF16 share everything but the multiply-add and the epilogue's arithmetic: a step
// of k is 4 bytes per lane in all three (four u8·s8 products for vpdpbusd, one f32 product for an
// FMA, two bf16 weights widened for two FMAs), so the panels, tiles, prefetching and threading
// are the same code.
#include "kernels/panel_gemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "kernels/avx2_u8s8_asm.h"
#include "kernels/fast_activation.h"
#include "kernels/lanes_mask.h"

#if !defined(EMBED_PANEL_GEMM_AVX512) && !defined(EMBED_PANEL_GEMM_AVX2)
#error "panel_gemm.cpp is compiled once per ISA with EMBED_PANEL_GEMM_<isa> defined"
#endif

namespace embed::kernels {
namespace {

#if defined(EMBED_PANEL_GEMM_AVX512)
using Batch = xsimd::batch<float, xsimd::avx512bw>;
#else
using Batch = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
#endif

// What the panels hold: s8 weights for u8 activations, f32 or bf16 weights for f32 activations.
enum class Arithmetic { Int8, F32, Bf16 };

// Bytes of one row's activations that a step of k multiplies: four u8, one f32, or two f32.
template <Arithmetic A>
constexpr size_t kInputBytesPerStep = A == Arithmetic::Bf16 ? 8 : 4;

#if defined(EMBED_PANEL_GEMM_AVX512)
// A micro-tile is up to kTileRows rows × one panel: 6 × 4 accumulators, 4 weight registers and
// one broadcast activation fill 29 of the 32 vector registers.
template <Arithmetic A>
constexpr size_t kTileRows = 6;
constexpr size_t kColumnBlocks = kPanelWidth / 16;
#else
// A micro-tile is up to kTileRows rows × one panel, multiplied in passes of 16 columns. INT8:
// 4 × 2 accumulators, 2 weight registers, the broadcast activation, the ones and two rows'
// products take all 16 vector registers. F32: 6 × 2 accumulators (with 4 × 2, too few FMAs in
// flight to cover their latency), 2 weight registers and the broadcast.
template <Arithmetic A>
constexpr size_t kTileRows = A == Arithmetic::Int8 ? 4 : 6;
constexpr size_t kColumnsPerPass = 16;
constexpr size_t kPasses = kPanelWidth / kColumnsPerPass;
#endif
// Steps of k per block of k when the weights stream from memory (few rows, one row block): a
// 16 KB slice of a panel, which stays in L1 while the next one is prefetched into L2.
constexpr size_t kStepsPerStreamedBlock = 64;
// With several row blocks the weights come from L3, and a slice is reused by dozens of tiles:
// 64 KB (all of k = 1024, BGE-M3's most common k), read from L2. Each block of k costs a tile a
// store and a reload of its 24 accumulators; 256 steps rather than 64 ran BGE-M3's INT8 GEMMs at
// 512-4096 rows 2-9% faster (alternating in one process; whole panels of k = 4096 did no better)
// and a 32x128 forward pass faster in 15 of 22 alternating pairs.
constexpr size_t kStepsPerCachedBlock = 256;
// Steps of k per round of prefetches. Scheduled every step, the prefetches' bookkeeping (~17
// instructions) made the front end, not the multiply-adds, the bound of the micro-tile: 96
// BGE-M3 INT8 GEMMs at 16 rows with weights in L3 took 15% longer; every 4 steps, up to 4% longer.
constexpr size_t kStepsPerFetch = 8;
// Up to this many rows a GEMM streams its weights more than it computes: one row block holds
// them all, so each weight byte is read once.
constexpr size_t kMaxRowsForOneBlock = 48;
// Above, the activations of a row block stay in L2 (1 MB per core on the Xeons we target) while
// every panel passes over them; each block streams the whole weight matrix once. 256 KB ran
// 0.98-1.07x as fast as 512 KB at 512 and 4096 rows (alternating in one process).
constexpr size_t kRowBlockBytes = size_t{256} << 10;
// Work items are a row block × this many panels at most, handed out dynamically: on a shared
// machine a statically split GEMM waits for its slowest thread (BGE-M3 INT8 end to end: 32x128
// 17% and 1x512 up to 30% faster in contended phases; within 1-3% either way in quiet ones).
constexpr size_t kMaxPanelsPerItem = 4;

size_t round_up(size_t v, size_t multiple) {
  return (v + multiple - 1) / multiple * multiple;
}

#if defined(EMBED_PANEL_GEMM_AVX512)
// v rounded to bf16 (nearest, ties to even), in the high half of each 32-bit lane. The values
// are finite.
__m512i bf16_in_high_halves(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i lowest_kept = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  return _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), lowest_kept));
}

// The epilogue's per-column constants of one block of 16 columns.
struct BlockConstants {
  __mmask16 mask;
  Batch bias;
  __m512 offsets, scales;
};

template <Arithmetic A>
BlockConstants block_constants(const Int8GemmEpilogue& e, size_t j, size_t n) {
  BlockConstants c{lanes_mask(n - j), _mm512_setzero_ps(), _mm512_setzero_ps(),
                   _mm512_setzero_ps()};
  if (e.bias) c.bias = _mm512_maskz_loadu_ps(c.mask, e.bias + j);
  if constexpr (A == Arithmetic::Int8) {
    c.offsets = _mm512_maskz_loadu_ps(c.mask, e.col_offsets + j);
    c.scales = _mm512_maskz_loadu_ps(c.mask, e.col_scales + j);
  }
  return c;
}

// One block's sums: int32 converted (INT8), or the f32 they hold.
template <Arithmetic A>
Batch block_sums(const int32_t* sums) {
  const __m512i raw = _mm512_loadu_si512(sums);
  return A == Arithmetic::Int8 ? Batch(_mm512_cvtepi32_ps(raw)) : Batch(_mm512_castsi512_ps(raw));
}

// The valid lanes of a block of f32 outputs (zeros past them), and their store.
[[gnu::always_inline]] inline Batch load_lanes(const float* p, const BlockConstants& c) {
  return _mm512_maskz_loadu_ps(c.mask, p);
}
[[gnu::always_inline]] inline void store_lanes(float* p, const BlockConstants& c, const Batch& v) {
  _mm512_mask_storeu_ps(p, c.mask, v);
}

#else  // AVX2

// The epilogue's per-column constants of one block of 8 columns; `lanes` of them are valid.
struct BlockConstants {
  size_t lanes;
  __m256i mask;
  Batch bias, offsets, scales;
};

// Loads the valid lanes of 8 floats, zeros past them, and stores them. Masked moves are slow on
// some AMD cores, so whole blocks move plainly.
[[gnu::always_inline]] inline Batch load_lanes(const float* p, const BlockConstants& c) {
  return c.lanes == 8 ? Batch::load_unaligned(p) : Batch(_mm256_maskload_ps(p, c.mask));
}
[[gnu::always_inline]] inline void store_lanes(float* p, const BlockConstants& c, const Batch& v) {
  if (c.lanes == 8)
    v.store_unaligned(p);
  else
    _mm256_maskstore_ps(p, c.mask, v);
}

// Always inlined, as block_result: called per block and row, GCC kept them out of line (perf: 2.3%
// of a 1x512 INT8 pass on AVX2).
template <Arithmetic A>
[[gnu::always_inline]] inline BlockConstants block_constants(const Int8GemmEpilogue& e, size_t j,
                                                             size_t n) {
  const size_t lanes = std::min<size_t>(8, n - j);
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lanes)),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  BlockConstants c{lanes, mask, Batch(0.0f), Batch(0.0f), Batch(0.0f)};
  if (e.bias) c.bias = load_lanes(e.bias + j, c);
  if constexpr (A == Arithmetic::Int8) {
    c.offsets = load_lanes(e.col_offsets + j, c);
    c.scales = load_lanes(e.col_scales + j, c);
  }
  return c;
}

// One block's sums: int32 converted (INT8), or the f32 they hold.
template <Arithmetic A>
Batch block_sums(const int32_t* sums) {
  const __m256i raw = _mm256_load_si256(reinterpret_cast<const __m256i*>(sums));
  return A == Arithmetic::Int8 ? Batch(_mm256_cvtepi32_ps(raw)) : Batch(_mm256_castsi256_ps(raw));
}

#endif

// Row r's result for one block from its sums, activated by Act: INT8 dequantizes (and takes its
// epilogues' coarse GELU); both add the bias.
template <Arithmetic A, Activation Act>
[[gnu::always_inline]] inline Batch block_result(const int32_t* sums, size_t r,
                                                 const BlockConstants& c,
                                                 const Int8GemmEpilogue& e) {
  Batch v = block_sums<A>(sums);
  if constexpr (A == Arithmetic::Int8) {
    v = xsimd::fma(v - Batch(c.offsets), Batch(e.row_scales[r]) * Batch(c.scales), c.bias);
    return int8_epilogue_activation(Act, v);
  }
  return fast_activation(Act, v + c.bias);
}

// f(std::integral_constant<Activation, act>{}): the epilogues' loops are compiled per activation.
// With the activation chosen per block of results, GCC reloaded the activation's constants and
// switched on it for every block of every row.
template <class F>
[[gnu::always_inline]] inline void with_activation(Activation act, F&& f) {
  switch (act) {
    case Activation::GeluErf:
      return f(std::integral_constant<Activation, Activation::GeluErf>{});
    case Activation::GeluTanh:
      return f(std::integral_constant<Activation, Activation::GeluTanh>{});
    case Activation::Relu:
      return f(std::integral_constant<Activation, Activation::Relu>{});
    case Activation::None:
      break;
  }
  f(std::integral_constant<Activation, Activation::None>{});
}

// The epilogue for f32 outputs on rows [begin, end) × one panel of sums (row stride kPanelWidth):
// the results activated by Act, accumulated onto y's or stored, for the valid columns.
// Column-outer: each block's constants are loaded once for all the rows.
template <Arithmetic A, Activation Act>
void store_f32_rows(const int32_t* sums, size_t begin, size_t end, size_t col0, size_t n,
                    const Int8GemmEpilogue& e, float* y) {
  constexpr size_t width = Batch::size;
  const size_t blocks = std::min(kPanelWidth / width, (n - col0 + width - 1) / width);
  for (size_t b = 0; b < blocks; ++b) {
    const size_t j = col0 + width * b;
    const BlockConstants c = block_constants<A>(e, j, n);
    for (size_t r = begin; r < end; ++r) {
      Batch v = block_result<A, Act>(sums + (r - begin) * kPanelWidth + width * b, r, c, e);
      float* out = y + r * n + j;
      if (e.accumulate) v += load_lanes(out, c);
      store_lanes(out, c, v);
    }
  }
}

#if defined(EMBED_PANEL_GEMM_AVX512)
// The epilogue on rows [begin, end) × one panel of sums: store_f32_rows for f32 outputs, or the
// results rounded to bf16 (uint16_t outputs), column-outer as there. bf16 goes two blocks at a
// time: one shuffle takes both blocks' rounded high halves into a row's 64-byte store, where each
// block alone needed a shift and a narrowing 32-byte store.
template <Arithmetic A, Activation Act, class Out>
void store_rows(const int32_t* sums, size_t begin, size_t end, size_t col0, size_t n,
                const Int8GemmEpilogue& e, Out* y) {
  const size_t blocks = std::min(kColumnBlocks, (n - col0 + 15) / 16);
  if constexpr (std::is_same_v<Out, uint16_t>) {
    const __m512i odd_words =
        _mm512_set_epi16(63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35, 33,  //
                         31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    for (size_t b = 0; b < blocks; b += 2) {
      const size_t j = col0 + 16 * b;
      const bool pair = b + 1 < blocks;
      const BlockConstants first = block_constants<A>(e, j, n);
      const BlockConstants second = pair ? block_constants<A>(e, j + 16, n) : first;
      const __mmask32 mask = first.mask | (pair ? __mmask32{second.mask} << 16 : 0);
      for (size_t r = begin; r < end; ++r) {
        const int32_t* row = sums + (r - begin) * kPanelWidth + 16 * b;
        const __m512i low = bf16_in_high_halves(block_result<A, Act>(row, r, first, e));
        const __m512i high =
            pair ? bf16_in_high_halves(block_result<A, Act>(row + 16, r, second, e)) : low;
        _mm512_mask_storeu_epi16(y + r * n + j, mask,
                                 _mm512_permutex2var_epi16(low, odd_words, high));
      }
    }
  } else {
    store_f32_rows<A, Act>(sums, begin, end, col0, n, e, y);
  }
}

// sums[Rows][kPanelWidth] (+)= a[Rows rows] · (count steps of k of one panel). a points at the
// step's first input (a byte pointer for every arithmetic, lda in bytes); first starts the sums
// at zero. Meanwhile the tile prefetches `fetch_bytes` from `fetch` (line-aligned) into L2,
// fetch_per_step of them per step.
template <size_t Rows, Arithmetic A>
[[gnu::target("avx512vnni")]] void accumulate_tile(const uint8_t* a, size_t lda,
                                                   const int8_t* steps, size_t count, int32_t* sums,
                                                   bool first, const char* fetch,
                                                   size_t fetch_bytes, size_t fetch_per_step,
                                                   bool /*pair_steps: AVX2 INT8 only*/) {
  __m512i acc[Rows][kColumnBlocks];
#pragma GCC unroll 8
  for (size_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (size_t b = 0; b < kColumnBlocks; ++b)
      acc[r][b] =
          first ? _mm512_setzero_si512() : _mm512_loadu_si512(sums + r * kPanelWidth + 16 * b);
  const auto step = [&](size_t q) __attribute__((always_inline, target("avx512vnni"))) {
    const int8_t* weights = steps + q * kPanelStepBytes;
    if constexpr (A == Arithmetic::Bf16) {
      // Two f32 inputs per step: the weights' low halves widened by a shift, then the high halves
      // by a load that zeroes the low ones. Each read twice from L1 rather than held: holding them
      // takes four registers more than the tile has.
#pragma GCC unroll 2
      for (size_t half = 0; half < 2; ++half) {
        __m512 w[kColumnBlocks];
#pragma GCC unroll 4
        for (size_t b = 0; b < kColumnBlocks; ++b)
          w[b] = _mm512_castsi512_ps(
              half == 0 ? _mm512_slli_epi32(_mm512_load_si512(weights + 64 * b), 16)
                        : _mm512_maskz_loadu_epi16(0xaaaaaaaa, weights + 64 * b));
#pragma GCC unroll 8
        for (size_t r = 0; r < Rows; ++r) {
          float input;
          std::memcpy(&input, a + r * lda + kInputBytesPerStep<A> * q + 4 * half, sizeof input);
          const __m512 broadcast = _mm512_set1_ps(input);
#pragma GCC unroll 4
          for (size_t b = 0; b < kColumnBlocks; ++b)
            acc[r][b] = _mm512_castps_si512(
                _mm512_fmadd_ps(broadcast, w[b], _mm512_castsi512_ps(acc[r][b])));
        }
      }
    } else {
      __m512i w[kColumnBlocks];
#pragma GCC unroll 4
      for (size_t b = 0; b < kColumnBlocks; ++b) w[b] = _mm512_load_si512(weights + 64 * b);
#pragma GCC unroll 8
      for (size_t r = 0; r < Rows; ++r) {
        int32_t four;  // four u8 inputs, or one f32
        std::memcpy(&four, a + r * lda + kInputBytesPerStep<A> * q, sizeof four);
        const __m512i broadcast = _mm512_set1_epi32(four);
#pragma GCC unroll 4
        for (size_t b = 0; b < kColumnBlocks; ++b) {
          if constexpr (A == Arithmetic::Int8)
            acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], broadcast, w[b]);
          else
            acc[r][b] = _mm512_castps_si512(_mm512_fmadd_ps(_mm512_castsi512_ps(broadcast),
                                                            _mm512_castsi512_ps(w[b]),
                                                            _mm512_castsi512_ps(acc[r][b])));
        }
      }
    }
  };
  const char* const fetch_start = fetch;
  const char* const fetch_end = fetch + fetch_bytes;
  // Requests the lines due by the end of `steps` steps. Prefetches do not fault, so running past
  // the packed weights is harmless.
  const auto prefetch_through = [&](size_t steps) __attribute__((always_inline)) {
    const char* due = std::min(fetch_end, fetch_start + steps * fetch_per_step);
    for (; fetch < due; fetch += 64) _mm_prefetch(fetch, _MM_HINT_T1);
  };
  size_t q = 0;
  for (; q + kStepsPerFetch <= count; q += kStepsPerFetch) {
    prefetch_through(q + kStepsPerFetch);
#pragma GCC unroll 8
    for (size_t g = 0; g < kStepsPerFetch; ++g) step(q + g);
  }
  prefetch_through(count);
  for (; q < count; ++q) step(q);
#pragma GCC unroll 8
  for (size_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (size_t b = 0; b < kColumnBlocks; ++b)
      _mm512_storeu_si512(sums + r * kPanelWidth + 16 * b, acc[r][b]);
}

#else  // AVX2

// The AVX2 GEMMs have f32 outputs only.
template <Arithmetic A, Activation Act, class Out>
void store_rows(const int32_t* sums, size_t begin, size_t end, size_t col0, size_t n,
                const Int8GemmEpilogue& e, Out* y) {
  static_assert(std::is_same_v<Out, float>, "the AVX2 panel GEMMs have f32 outputs");
  store_f32_rows<A, Act>(sums, begin, end, col0, n, e, y);
}

// One pass of an AVX2 micro-tile, in assembly: from intrinsics GCC kept a quarter of the sums on
// the stack and copied others between registers at every step (BGE-M3's F32 linears at 16-4096
// rows: 133-158 GFLOP/s, in assembly 164-186).
//
// Row r sums in ymm(2r), ymm(2r + 1). A step loads the pass's two weight vectors into ymm12 and
// ymm13 and broadcasts each row's 4 bytes of input into ymm14. F32 multiplies with an FMA; INT8
// takes vpmaddubsw into int16 pairs (ymm8-11), vpmaddwd by ymm15's ones into int32, and an add.
// A BF16 step is two inputs: the weights' low halves widened by a shift for the first, their high
// halves (ymm15's mask) for the second, each with FMAs as F32. Rows 0-2 are read from a0 + r ·
// lda, rows 3-5 from a3 + (r - 3) · lda.
// clang-format off
#define EMBED_TILE_INPUT(base, index, at) at "(%[" #base "]" index ")"
#define EMBED_F32_ROW(lo, hi, t0, t1, base, index, at)                 \
  "vbroadcastss " EMBED_TILE_INPUT(base, index, at) ", %%ymm14\n\t"    \
  "vfmadd231ps %%ymm12, %%ymm14, %%ymm" #lo "\n\t"                     \
  "vfmadd231ps %%ymm13, %%ymm14, %%ymm" #hi "\n\t"
#define EMBED_INT8_ROW(lo, hi, t0, t1, base, index, at)                \
  EMBED_AVX2_U8S8_ADD(EMBED_TILE_INPUT(base, index, at), 12, 13, 14, t0, t1, lo, hi)
// Steps q (weights in ymm12-13) and q + 1 (weights read from memory) of one row, their int16
// pairs added before vpmaddwd widens them: one multiply in four fewer, exact on panels packed
// within avx2_u8s8.h's lane bound (pack_int8_panels). Pairs start at even steps of k, as packing
// assumes: the blocks of k hold whole groups of kStepsPerFetch steps and the passes start at a
// block's start.
#define EMBED_INT8_PAIR_ROW(lo, hi, t0, t1, base, index, q, at)        \
  EMBED_AVX2_U8S8_PAIR_ADD(EMBED_TILE_INPUT(base, index, at),          \
                           EMBED_TILE_INPUT(base, index, at "+4"), 12, 13, \
                           "256*" #q "+256(%[w])", "256*" #q "+288(%[w])", 14, 8, 9, 10, 11, lo, hi)
// What a pass sets up first: INT8's ones (16-bit lanes of 1), BF16's mask of high halves.
#define EMBED_F32_SETUP ""
#define EMBED_INT8_SETUP                                               \
  "vpcmpeqw %%ymm15, %%ymm15, %%ymm15\n\t"                             \
  "vpsrlw $15, %%ymm15, %%ymm15\n\t"
#define EMBED_BF16_SETUP                                               \
  "vpcmpeqd %%ymm15, %%ymm15, %%ymm15\n\t"                             \
  "vpslld $16, %%ymm15, %%ymm15\n\t"
// Bytes of each row's input per step, as text for the pointer increments.
#define EMBED_F32_INPUT_BYTES "4"
#define EMBED_INT8_INPUT_BYTES "4"
#define EMBED_BF16_INPUT_BYTES "8"
// Rows 0 … n - 1 of a step for ROW = EMBED_F32_ROW, EMBED_INT8_ROW or EMBED_INT8_PAIR_ROW, with
// their sums, temporaries, input base and index and the ROW's further arguments.
#define EMBED_TILE_ROWS_1(ROW, ...) ROW(0, 1, 8, 9, a0, "", __VA_ARGS__)
#define EMBED_TILE_ROWS_2(ROW, ...) \
  EMBED_TILE_ROWS_1(ROW, __VA_ARGS__) ROW(2, 3, 10, 11, a0, ",%[lda]", __VA_ARGS__)
#define EMBED_TILE_ROWS_3(ROW, ...) \
  EMBED_TILE_ROWS_2(ROW, __VA_ARGS__) ROW(4, 5, 8, 9, a0, ",%[lda],2", __VA_ARGS__)
#define EMBED_TILE_ROWS_4(ROW, ...) \
  EMBED_TILE_ROWS_3(ROW, __VA_ARGS__) ROW(6, 7, 10, 11, a3, "", __VA_ARGS__)
#define EMBED_TILE_ROWS_5(ROW, ...) \
  EMBED_TILE_ROWS_4(ROW, __VA_ARGS__) ROW(8, 9, , , a3, ",%[lda]", __VA_ARGS__)
#define EMBED_TILE_ROWS_6(ROW, ...) \
  EMBED_TILE_ROWS_5(ROW, __VA_ARGS__) ROW(10, 11, , , a3, ",%[lda],2", __VA_ARGS__)
// Step q of a pass for n rows, by kind, after its weights are loaded.
#define EMBED_TILE_WEIGHTS(q)                                          \
  "vmovdqa 256*" #q "(%[w]), %%ymm12\n\t"                              \
  "vmovdqa 256*" #q "+32(%[w]), %%ymm13\n\t"
#define EMBED_F32_STEP(n, q)                                           \
  EMBED_TILE_WEIGHTS(q) EMBED_TILE_ROWS_##n(EMBED_F32_ROW, "4*" #q)
#define EMBED_INT8_STEP(n, q)                                          \
  EMBED_TILE_WEIGHTS(q) EMBED_TILE_ROWS_##n(EMBED_INT8_ROW, "4*" #q)
#define EMBED_INT8_PAIR_STEP(n, q)                                     \
  EMBED_TILE_WEIGHTS(q) EMBED_TILE_ROWS_##n(EMBED_INT8_PAIR_ROW, q, "4*" #q)
#define EMBED_BF16_STEP(n, q)                                          \
  EMBED_TILE_WEIGHTS(q)                                                \
  "vpslld $16, %%ymm12, %%ymm12\n\t"                                   \
  "vpslld $16, %%ymm13, %%ymm13\n\t"                                   \
  EMBED_TILE_ROWS_##n(EMBED_F32_ROW, "8*" #q)                          \
  "vpand 256*" #q "(%[w]), %%ymm15, %%ymm12\n\t"                       \
  "vpand 256*" #q "+32(%[w]), %%ymm15, %%ymm13\n\t"                    \
  EMBED_TILE_ROWS_##n(EMBED_F32_ROW, "8*" #q "+4")
// The kStepsPerFetch steps of a group by kind: INT8 in pairs of steps where the panels are packed
// for them (pair_steps), else one by one.
#define EMBED_F32_GROUP(n)                                             \
  EMBED_F32_STEP(n, 0) EMBED_F32_STEP(n, 1) EMBED_F32_STEP(n, 2)       \
  EMBED_F32_STEP(n, 3) EMBED_F32_STEP(n, 4) EMBED_F32_STEP(n, 5)       \
  EMBED_F32_STEP(n, 6) EMBED_F32_STEP(n, 7)
#define EMBED_BF16_GROUP(n)                                            \
  EMBED_BF16_STEP(n, 0) EMBED_BF16_STEP(n, 1) EMBED_BF16_STEP(n, 2)    \
  EMBED_BF16_STEP(n, 3) EMBED_BF16_STEP(n, 4) EMBED_BF16_STEP(n, 5)    \
  EMBED_BF16_STEP(n, 6) EMBED_BF16_STEP(n, 7)
#define EMBED_INT8_GROUP(n)                                            \
  "cmpq $0, %[pairs]\n\t"                                               \
  "je 9f\n\t"                                                           \
  EMBED_INT8_PAIR_STEP(n, 0) EMBED_INT8_PAIR_STEP(n, 2)                \
  EMBED_INT8_PAIR_STEP(n, 4) EMBED_INT8_PAIR_STEP(n, 6)                \
  "jmp 13f\n\t"                                                         \
  "9:\n\t"                                                              \
  EMBED_INT8_STEP(n, 0) EMBED_INT8_STEP(n, 1) EMBED_INT8_STEP(n, 2)    \
  EMBED_INT8_STEP(n, 3) EMBED_INT8_STEP(n, 4) EMBED_INT8_STEP(n, 5)    \
  EMBED_INT8_STEP(n, 6) EMBED_INT8_STEP(n, 7)                          \
  "13:\n\t"
// Each row's sums, zeroed, loaded or stored (row stride kPanelWidth lanes).
#define EMBED_SUMS_ZERO(reg, at) "vpxor %%xmm" #reg ", %%xmm" #reg ", %%xmm" #reg "\n\t"
#define EMBED_SUMS_LOAD(reg, at) "vmovdqa " #at "(%[sums]), %%ymm" #reg "\n\t"
#define EMBED_SUMS_STORE(reg, at) "vmovdqa %%ymm" #reg ", " #at "(%[sums])\n\t"
#define EMBED_SUMS_ROW(OP, r, lo, hi) OP(lo, 256*r) OP(hi, 256*r+32)
#define EMBED_SUMS_1(OP) EMBED_SUMS_ROW(OP, 0, 0, 1)
#define EMBED_SUMS_2(OP) EMBED_SUMS_1(OP) EMBED_SUMS_ROW(OP, 1, 2, 3)
#define EMBED_SUMS_3(OP) EMBED_SUMS_2(OP) EMBED_SUMS_ROW(OP, 2, 4, 5)
#define EMBED_SUMS_4(OP) EMBED_SUMS_3(OP) EMBED_SUMS_ROW(OP, 3, 6, 7)
#define EMBED_SUMS_5(OP) EMBED_SUMS_4(OP) EMBED_SUMS_ROW(OP, 4, 8, 9)
#define EMBED_SUMS_6(OP) EMBED_SUMS_5(OP) EMBED_SUMS_ROW(OP, 5, 10, 11)
// Moves the weights and both input rows on by `steps` (text) steps.
#define EMBED_TILE_ADVANCE(KIND, steps)                                \
  "add $" steps "*256, %[w]\n\t"                                        \
  "add $" steps "*" EMBED_##KIND##_INPUT_BYTES ", %[a0]\n\t"            \
  "add $" steps "*" EMBED_##KIND##_INPUT_BYTES ", %[a3]\n\t"
// Prefetches the lines from fetch up to due.
#define EMBED_TILE_PREFETCH(label)                                     \
  "jmp 2" label "f\n\t"                                                \
  "1" label ":\n\t"                                                    \
  "prefetcht1 (%[fetch])\n\t"                                          \
  "add $64, %[fetch]\n\t"                                              \
  "2" label ":\n\t"                                                    \
  "cmp %[due], %[fetch]\n\t"                                           \
  "jb 1" label "b\n\t"
// The pass for KIND = F32, INT8 or BF16: its sums started, `groups` groups of kStepsPerFetch steps,
// each after raising due by quota (at most to cap) and prefetching through it, then the
// prefetches through cap and `rest` single steps, and the sums stored.
#define EMBED_TILE_PASS(KIND, n)                                       \
  asm volatile(                                                        \
      EMBED_##KIND##_SETUP                                             \
      "test %[first], %[first]\n\t"                                    \
      "jz 3f\n\t"                                                      \
      EMBED_SUMS_##n(EMBED_SUMS_ZERO)                                  \
      "jmp 4f\n\t"                                                     \
      "3:\n\t"                                                         \
      EMBED_SUMS_##n(EMBED_SUMS_LOAD)                                  \
      "4:\n\t"                                                         \
      "test %[groups], %[groups]\n\t"                                  \
      "jz 6f\n\t"                                                      \
      "5:\n\t"                                                         \
      "add %[quota], %[due]\n\t"                                       \
      "cmp %[cap], %[due]\n\t"                                         \
      "cmova %[cap], %[due]\n\t"                                       \
      EMBED_TILE_PREFETCH("1")                                         \
      EMBED_##KIND##_GROUP(n)                                          \
      EMBED_TILE_ADVANCE(KIND, "8")                                    \
      "dec %[groups]\n\t"                                              \
      "jnz 5b\n\t"                                                     \
      "6:\n\t"                                                         \
      "mov %[cap], %[due]\n\t"                                         \
      EMBED_TILE_PREFETCH("2")                                         \
      "test %[rest], %[rest]\n\t"                                      \
      "jz 8f\n\t"                                                      \
      "7:\n\t"                                                         \
      EMBED_##KIND##_STEP(n, 0)                                      \
      EMBED_TILE_ADVANCE(KIND, "1")                                    \
      "dec %[rest]\n\t"                                                \
      "jnz 7b\n\t"                                                     \
      "8:\n\t"                                                         \
      EMBED_SUMS_##n(EMBED_SUMS_STORE)                                 \
      : [a0] "+r"(a0), [a3] "+r"(a3), [w] "+r"(w), [groups] "+r"(groups), \
        [rest] "+r"(rest), [fetch] "+r"(fetch), [due] "+r"(due)        \
      : [lda] "r"(lda), [sums] "r"(pass_sums), [first] "r"(first_sums),     \
        [quota] "r"(quota), [cap] "r"(cap), [pairs] "rm"(pairs)        \
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory")
// EMBED_TILE_PASS for the tile's Rows (a literal in the assembly's text): INT8's tiles stop at 4
// rows, so its larger cases are discarded, never instantiated.
#define EMBED_TILE_PASS_OF_ROWS(KIND)                                  \
  if constexpr (Rows == 1) EMBED_TILE_PASS(KIND, 1);                   \
  if constexpr (Rows == 2) EMBED_TILE_PASS(KIND, 2);                   \
  if constexpr (Rows == 3) EMBED_TILE_PASS(KIND, 3);                   \
  if constexpr (Rows == 4) EMBED_TILE_PASS(KIND, 4);                   \
  if constexpr (Rows == 5) EMBED_TILE_PASS(KIND, 5);                   \
  if constexpr (Rows == 6) EMBED_TILE_PASS(KIND, 6)
// clang-format on
static_assert(kPanelStepBytes == 256 && kStepsPerFetch == 8 && kPanelWidth * 4 == 256,
              "EMBED_TILE_PASS's offsets");
static_assert(EMBED_F32_INPUT_BYTES[0] - '0' == kInputBytesPerStep<Arithmetic::F32> &&
                  EMBED_INT8_INPUT_BYTES[0] - '0' == kInputBytesPerStep<Arithmetic::Int8> &&
                  EMBED_BF16_INPUT_BYTES[0] - '0' == kInputBytesPerStep<Arithmetic::Bf16>,
              "the assembly's input strides are kInputBytesPerStep");

// sums[Rows][kPanelWidth] (+)= a[Rows rows] · (count steps of k of one panel), as the AVX-512
// tile, in kPasses passes over the steps of 16 columns each (EMBED_TILE_PASS). Without VNNI eight
// u8·s8 products take two vpmaddubsw, an int16 add, vpmaddwd and an add (avx2::int8_gemm), or,
// on panels not packed for pairs (pair_steps false), four take one vpmaddubsw, vpmaddwd and an
// add; F32 is one FMA per step. The prefetches of the next slice are spread over all the passes.
static_assert(kStepsPerStreamedBlock % kStepsPerFetch == 0 &&
                  kStepsPerCachedBlock % kStepsPerFetch == 0 && kStepsPerFetch % 2 == 0,
              "INT8 pairs of steps start at even steps of k");
template <size_t Rows, Arithmetic A>
void accumulate_tile(const uint8_t* a, size_t lda, const int8_t* steps, size_t count, int32_t* sums,
                     bool first, const char* fetch, size_t fetch_bytes, size_t fetch_per_step,
                     bool pair_steps) {
  static_assert(Rows <= kTileRows<A>, "INT8 tiles have up to 4 rows, F32 and BF16 up to 6");
  const char* const fetch_start = fetch;
  const char* const fetch_end = fetch + fetch_bytes;
  const char* due = fetch;
  const size_t quota = kStepsPerFetch * fetch_per_step / kPasses;
  const size_t first_sums = first, pairs = pair_steps;
  for (size_t pass = 0; pass < kPasses; ++pass) {
    const uint8_t* a0 = a;
    const uint8_t* a3 = a + 3 * lda;
    const int8_t* w = steps + kColumnsPerPass * 4 * pass;
    int32_t* const pass_sums = sums + kColumnsPerPass * pass;
    size_t groups = count / kStepsPerFetch, rest = count % kStepsPerFetch;
    const char* const cap =
        std::min(fetch_end, fetch_start + (pass + 1) * count * fetch_per_step / kPasses);
    if constexpr (A == Arithmetic::F32) {
      EMBED_TILE_PASS_OF_ROWS(F32);
    } else if constexpr (A == Arithmetic::Bf16) {
      EMBED_TILE_PASS_OF_ROWS(BF16);
    } else {
      EMBED_TILE_PASS_OF_ROWS(INT8);
    }
  }
}

#endif

// Requests the lines of y that rows [begin, end) × columns [col0, col0 + cols) span into L1, for
// writing. The epilogue reads y (accumulating) or writes it, and at thousands of rows y has left
// the caches since it was last written: its misses, waited for one by one, were a quarter of an
// output-projection-shaped INT8 GEMM at 2048 rows on one thread. prefetchw (this object is built
// with -mprfchw; without it _MM_HINT_ET0 emits nothing) ran that GEMM at 4096 rows 4-5% faster
// than a read prefetch. Always inlined: GCC deems a function of nothing but prefetches free of
// effects (pure) and drops its calls.
template <class Out>
[[gnu::always_inline]] inline void prefetch_output(const Out* y, size_t n, size_t begin, size_t end,
                                                   size_t col0, size_t cols) {
  for (size_t r = begin; r < end; ++r) {
    const auto first = reinterpret_cast<uintptr_t>(y + r * n + col0) & ~uintptr_t{63};
    const auto last = reinterpret_cast<uintptr_t>(y + r * n + col0 + cols);
    for (uintptr_t line = first; line < last; line += 64)
      _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_ET0);
  }
}

// accumulate_tile for 1 … kTileRows<A> rows.
using AccumulateTile = void (*)(const uint8_t*, size_t, const int8_t*, size_t, int32_t*, bool,
                                const char*, size_t, size_t, bool);
template <Arithmetic A, size_t... R>
constexpr AccumulateTile kTilesOf[] = {nullptr, accumulate_tile<R + 1, A>...};
template <Arithmetic A, size_t... R>
constexpr const AccumulateTile* tiles_of(std::index_sequence<R...>) {
  return kTilesOf<A, R...>;
}
template <Arithmetic A>
constexpr const AccumulateTile* kAccumulateTile =
    tiles_of<A>(std::make_index_sequence<kTileRows<A>>());

// The packed weights: `steps` steps of k for each panel of kPanelWidth of the n columns, and the
// AVX2 INT8 GEMM's corrections (Int8PanelsView).
struct Panels {
  const int8_t* data;
  size_t n, steps;
  const Int8Correction* corrections = nullptr;
  const uint32_t* first_correction = nullptr;
  bool pair_steps = false;
};

#if defined(EMBED_PANEL_GEMM_AVX2)
// Adds panel p's corrections to the sums of a tile's rows (activations a, row stride lda).
void add_corrections(const Panels& w, size_t panel, const uint8_t* a, size_t lda, size_t rows,
                     int32_t* sums) {
  if (!w.first_correction) return;
  for (uint32_t c = w.first_correction[panel]; c < w.first_correction[panel + 1]; ++c) {
    const Int8Correction& x = w.corrections[c];
    for (size_t r = 0; r < rows; ++r)
      sums[r * kPanelWidth + x.column] += int32_t{a[r * lda + x.input]} * x.weight;
  }
}
#endif

// Rows [begin, end) × one panel: blocks of k of `steps_per_block` steps whose slice of the panel
// stays in L1 (few rows) or L2 (many) while every micro-tile of the rows passes over it. The
// weights come from memory (few rows) or L3 (per block of many rows). Rather than the first tile
// over a slice fetching it while memory idles during the others, every tile prefetches an equal
// share of the next slice into L2 (which, for the last slice, is the next panel's first). Into L1
// it would evict the slice in use, and L1 prefetches stall once the line fill buffers are busy:
// perf put half of the first tile's samples on them. 1.08-1.19x at 8-48 rows with weights in
// memory, 1.02-1.03x at 512 rows (alternating in one process).
template <Arithmetic A, class Out>
void panel_rows(const uint8_t* a, size_t lda, size_t begin, size_t end, const Panels& w,
                size_t panel, size_t steps_per_block, const Int8GemmEpilogue& e, int32_t* partial,
                Out* y) {
  const int8_t* data = w.data + panel * w.steps * kPanelStepBytes;
  const size_t col0 = panel * kPanelWidth, cols = std::min(kPanelWidth, w.n - col0);
  // Each tile's share of a slice in whole lines, and how much of it to request per step. Divided
  // here, once per panel: two divisions per tile cost 3% of a 16-row forward pass.
  const size_t tiles = (end - begin + kTileRows<A> - 1) / kTileRows<A>;
  const size_t share = (steps_per_block * kPanelStepBytes / 64 + tiles - 1) / tiles * 64;
  const size_t share_per_step = (share + steps_per_block - 1) / steps_per_block;
  for (size_t q0 = 0; q0 < w.steps; q0 += steps_per_block) {
    const size_t count = std::min(steps_per_block, w.steps - q0);
    const char* next = reinterpret_cast<const char*>(data + (q0 + count) * kPanelStepBytes);
    const bool last_block = q0 + count == w.steps;
    for (size_t r = begin, tile = 0; r < end; r += kTileRows<A>, ++tile) {
      const size_t rows = std::min(kTileRows<A>, end - r);
      int32_t* sums = partial + (r - begin) * kPanelWidth;
      // Requested before the tile multiplies its last block of k, so they arrive meanwhile.
      if (last_block) prefetch_output(y, w.n, r, r + rows, col0, cols);
      kAccumulateTile<A>[rows](a + r * lda + kInputBytesPerStep<A> * q0, lda,
                               data + q0 * kPanelStepBytes, count, sums, q0 == 0,
                               next + tile * share, share, share_per_step, w.pair_steps);
#if defined(EMBED_PANEL_GEMM_AVX2)
      if (A == Arithmetic::Int8 && last_block)
        add_corrections(w, panel, a + r * lda, lda, rows, sums);
#endif
      // The epilogue follows each tile's last block while its sums are still in L1.
      if (last_block)
        with_activation(e.activation, [&](auto act) {
          store_rows<A, decltype(act)::value>(sums, r, r + rows, col0, w.n, e, y);
        });
    }
  }
}

template <Arithmetic A, class Out>
void panel_gemm(const uint8_t* a, size_t m, size_t lda, const Panels& w, const Int8GemmEpilogue& e,
                Out* y) {
  const size_t panels = (w.n + kPanelWidth - 1) / kPanelWidth;
  if (m == 0 || panels == 0) return;
  const size_t threads = omp_in_parallel() ? 1 : static_cast<size_t>(omp_get_max_threads());
  // All threads work on the same row block at a time, so its activations sit in each core's L2
  // and the weights pass through L3 once for all of them.
  const size_t max_block_rows =
      m <= kMaxRowsForOneBlock ? m
                               : std::max(kTileRows<A>, kRowBlockBytes / std::max<size_t>(lda, 1));
  // Rounding the blocks up to whole tiles may leave fewer blocks than first planned; counted
  // again, none starts past the last row (an empty one divided by zero tiles).
  const size_t planned_blocks = (m + max_block_rows - 1) / max_block_rows;
  const size_t block_rows = round_up((m + planned_blocks - 1) / planned_blocks, kTileRows<A>);
  const size_t row_blocks = (m + block_rows - 1) / block_rows;
  // With one row block (few rows: the weights stream from memory) items are single panels handed
  // out in guided chunks: long runs of consecutive panels first, whose next-panel prefetches stay
  // useful, and single panels at the end, so that the threads finish together (a BGE-M3 INT8 1x16
  // forward pass 3% faster, MiniLM's ~10%, alternating in one process; single panels handed out
  // one by one were 5% slower, each starting on a cold slice). With several row blocks, items of
  // up to kMaxPanelsPerItem, at least four per thread in each block, go dynamically, so that all
  // threads stay on one block.
  const bool one_block = row_blocks == 1;
  const size_t steps_per_block = one_block ? kStepsPerStreamedBlock : kStepsPerCachedBlock;
  const size_t item_panels =
      one_block ? 1 : std::clamp<size_t>(panels / (4 * threads), 1, kMaxPanelsPerItem);
  const size_t items_per_block = (panels + item_panels - 1) / item_panels;
  const auto items = static_cast<ptrdiff_t>(row_blocks * items_per_block);
  // Allocated here, where a failure can still throw, rather than inside the parallel region.
  const size_t slice = block_rows * kPanelWidth;
  int32_t* partial = panel_sums_scratch(threads * slice);
#pragma omp parallel if (items > 1 && threads > 1)
  {
    int32_t* mine = partial + static_cast<size_t>(omp_get_thread_num()) * slice;
    const auto run = [&](ptrdiff_t item) {
      const size_t block = static_cast<size_t>(item) / items_per_block;
      const size_t first = static_cast<size_t>(item) % items_per_block * item_panels;
      const size_t begin = block * block_rows, end = std::min(m, begin + block_rows);
      for (size_t p = first; p < std::min(panels, first + item_panels); ++p)
        panel_rows<A>(a, lda, begin, end, w, p, steps_per_block, e, mine, y);
    };
    if (one_block) {
#pragma omp for schedule(guided)
      for (ptrdiff_t item = 0; item < items; ++item) run(item);
    } else {
#pragma omp for schedule(dynamic)
      for (ptrdiff_t item = 0; item < items; ++item) run(item);
    }
  }
}

// A float GEMM's epilogue in the INT8 epilogue's terms (no dequantization).
Int8GemmEpilogue float_epilogue(const LinearEpilogue& e) {
  return {nullptr, nullptr, nullptr, e.bias, e.activation, e.accumulate};
}

}  // namespace

#if defined(EMBED_PANEL_GEMM_AVX2)
void avx2::int8_gemm(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
                     const Int8GemmEpilogue& epilogue, float* y) {
  panel_gemm<Arithmetic::Int8>(
      a, m, lda, {w.data, w.n, w.k_quads, w.corrections, w.first_correction, w.pair_steps},
      epilogue, y);
}

void avx2::f32_panel_gemm(const float* a, size_t m, size_t lda, const F32PanelsView& w,
                          const LinearEpilogue& epilogue, float* y) {
  panel_gemm<Arithmetic::F32>(reinterpret_cast<const uint8_t*>(a), m, lda * sizeof(float),
                              {reinterpret_cast<const int8_t*>(w.data), w.n, w.k},
                              float_epilogue(epilogue), y);
}

void avx2::bf16_panel_gemm(const float* a, size_t m, size_t lda, const Bf16PanelsView& w,
                           const LinearEpilogue& epilogue, float* y) {
  panel_gemm<Arithmetic::Bf16>(reinterpret_cast<const uint8_t*>(a), m, lda * sizeof(float),
                               {reinterpret_cast<const int8_t*>(w.data), w.n, w.k / 2},
                               float_epilogue(epilogue), y);
}
#else
void int8_gemm(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
               const Int8GemmEpilogue& epilogue, float* y) {
  panel_gemm<Arithmetic::Int8>(a, m, lda, {w.data, w.n, w.k_quads}, epilogue, y);
}

void int8_gemm_bf16(const uint8_t* a, size_t m, size_t lda, const Int8PanelsView& w,
                    const Int8GemmEpilogue& epilogue, uint16_t* y) {
  panel_gemm<Arithmetic::Int8>(a, m, lda, {w.data, w.n, w.k_quads}, epilogue, y);
}

void f32_panel_gemm(const float* a, size_t m, size_t lda, const F32PanelsView& w,
                    const LinearEpilogue& epilogue, float* y) {
  panel_gemm<Arithmetic::F32>(reinterpret_cast<const uint8_t*>(a), m, lda * sizeof(float),
                              {reinterpret_cast<const int8_t*>(w.data), w.n, w.k},
                              float_epilogue(epilogue), y);
}

void bf16_panel_gemm(const float* a, size_t m, size_t lda, const Bf16PanelsView& w,
                     const LinearEpilogue& epilogue, float* y) {
  panel_gemm<Arithmetic::Bf16>(reinterpret_cast<const uint8_t*>(a), m, lda * sizeof(float),
                               {reinterpret_cast<const int8_t*>(w.data), w.n, w.k / 2},
                               float_epilogue(epilogue), y);
}

void widen_bf16_panels(const Bf16PanelsView& w, float* out) {
  const auto panels = static_cast<ptrdiff_t>((w.n + kPanelWidth - 1) / kPanelWidth);
  const size_t steps = w.k / 2;
  const __m512i high_halves = _mm512_set1_epi32(int32_t(0xffff0000u));
#pragma omp parallel for schedule(static)
  for (ptrdiff_t p = 0; p < panels; ++p) {
    const auto* from = reinterpret_cast<const int8_t*>(w.data) + p * steps * kPanelStepBytes;
    float* to = out + p * w.k * kPanelWidth;
    for (size_t s = 0; s < steps; ++s)
      for (size_t b = 0; b < kColumnBlocks; ++b) {
        const __m512i pairs = _mm512_load_si512(from + s * kPanelStepBytes + 64 * b);
        _mm512_store_ps(to + 2 * s * kPanelWidth + 16 * b,
                        _mm512_castsi512_ps(_mm512_slli_epi32(pairs, 16)));
        _mm512_store_ps(to + (2 * s + 1) * kPanelWidth + 16 * b,
                        _mm512_castsi512_ps(_mm512_and_si512(pairs, high_halves)));
      }
  }
}
#endif

}  // namespace embed::kernels
