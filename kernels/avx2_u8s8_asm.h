#pragma once
// Internal to kernels/: the AVX2 assembly steps both INT8 kernels without VNNI are built from (the
// panel GEMM's tiles and INT8 attention's dot products). They are text for asm statements, so
// they emit nothing unless used; avx2_u8s8.h has the bounds that keep them exact.
//
// EMBED_AVX2_U8S8_ADD(input, w0, w1, x, t0, t1, lo, hi): broadcasts the 4 u8 at `input` (an
// operand string) into ymm`x`, multiplies them by the s8 of ymm`w0` and ymm`w1` into int16 pairs
// (ymm`t0`, ymm`t1`; exact while the u8 stay within kAvx2MaxActivation), sums the pairs into int32
// by the 16-bit ones in ymm15, and adds those to ymm`lo` and ymm`hi`. Arguments are register
// numbers.
// clang-format off
// The int16 pairs in ymm`t0`, ymm`t1` summed into int32 by ymm15's ones, added to ymm`lo`, ymm`hi`.
#define EMBED_AVX2_PAIRS_ADD(t0, t1, lo, hi)                             \
  "vpmaddwd %%ymm15, %%ymm" #t0 ", %%ymm" #t0 "\n\t"                     \
  "vpmaddwd %%ymm15, %%ymm" #t1 ", %%ymm" #t1 "\n\t"                     \
  "vpaddd %%ymm" #t0 ", %%ymm" #lo ", %%ymm" #lo "\n\t"                  \
  "vpaddd %%ymm" #t1 ", %%ymm" #hi ", %%ymm" #hi "\n\t"
#define EMBED_AVX2_U8S8_ADD(input, w0, w1, x, t0, t1, lo, hi)            \
  "vpbroadcastd " input ", %%ymm" #x "\n\t"                              \
  "vpmaddubsw %%ymm" #w0 ", %%ymm" #x ", %%ymm" #t0 "\n\t"               \
  "vpmaddubsw %%ymm" #w1 ", %%ymm" #x ", %%ymm" #t1 "\n\t"               \
  EMBED_AVX2_PAIRS_ADD(t0, t1, lo, hi)
// EMBED_AVX2_U8S8_PAIR_ADD(input0, input1, w0, w1, w2, w3, x, t0, t1, t2, t3, lo, hi): two steps
// of EMBED_AVX2_U8S8_ADD (input0 by ymm`w0` and ymm`w1`; input1 by the operand strings w2 and w3,
// e.g. memory) whose int16 pairs are added before one vpmaddwd widens them: three multiplies for
// 64 products rather than four, exact within avx2_u8s8.h's lane bound.
#define EMBED_AVX2_U8S8_PAIR_ADD(input0, input1, w0, w1, w2, w3, x, t0, t1, t2, t3, lo, hi) \
  "vpbroadcastd " input0 ", %%ymm" #x "\n\t"                             \
  "vpmaddubsw %%ymm" #w0 ", %%ymm" #x ", %%ymm" #t0 "\n\t"               \
  "vpmaddubsw %%ymm" #w1 ", %%ymm" #x ", %%ymm" #t1 "\n\t"               \
  "vpbroadcastd " input1 ", %%ymm" #x "\n\t"                             \
  "vpmaddubsw " w2 ", %%ymm" #x ", %%ymm" #t2 "\n\t"                     \
  "vpmaddubsw " w3 ", %%ymm" #x ", %%ymm" #t3 "\n\t"                     \
  "vpaddw %%ymm" #t2 ", %%ymm" #t0 ", %%ymm" #t0 "\n\t"                  \
  "vpaddw %%ymm" #t3 ", %%ymm" #t1 ", %%ymm" #t1 "\n\t"                  \
  EMBED_AVX2_PAIRS_ADD(t0, t1, lo, hi)
// clang-format on
