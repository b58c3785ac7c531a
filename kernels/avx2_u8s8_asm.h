#pragma once
// Internal to kernels/: the AVX2 assembly step both INT8 kernels without VNNI are built from (the
// panel GEMM's tiles and INT8 attention's dot products). It is text for an asm statement, so it
// emits nothing unless used.
//
// EMBED_AVX2_U8S8_ADD(input, w0, w1, x, t0, t1, lo, hi): broadcasts the 4 u8 at `input` (an
// operand string) into ymm`x`, multiplies them by the s8 of ymm`w0` and ymm`w1` into int16 pairs
// (ymm`t0`, ymm`t1`; exact while the u8 stay within [0, 127]), sums the pairs into int32 by the
// 16-bit ones in ymm15, and adds those to ymm`lo` and ymm`hi`. Arguments are register numbers.
// clang-format off
#define EMBED_AVX2_U8S8_ADD(input, w0, w1, x, t0, t1, lo, hi)            \
  "vpbroadcastd " input ", %%ymm" #x "\n\t"                              \
  "vpmaddubsw %%ymm" #w0 ", %%ymm" #x ", %%ymm" #t0 "\n\t"               \
  "vpmaddubsw %%ymm" #w1 ", %%ymm" #x ", %%ymm" #t1 "\n\t"               \
  "vpmaddwd %%ymm15, %%ymm" #t0 ", %%ymm" #t0 "\n\t"                     \
  "vpmaddwd %%ymm15, %%ymm" #t1 ", %%ymm" #t1 "\n\t"                     \
  "vpaddd %%ymm" #t0 ", %%ymm" #lo ", %%ymm" #lo "\n\t"                  \
  "vpaddd %%ymm" #t1 ", %%ymm" #hi ", %%ymm" #hi "\n\t"
// clang-format on
