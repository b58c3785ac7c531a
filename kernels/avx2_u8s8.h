#pragma once
// Internal to kernels/: the bounds within which the AVX2 u8·s8 products of both INT8 kernels
// without VNNI (the panel GEMM and INT8 attention; avx2_u8s8_asm.h) are exact.
//
// vpmaddubsw multiplies u8 by s8 and adds adjacent products into int16, saturating past 32767;
// vpmaddwd widens those sums to int32. With u8 operands up to kAvx2MaxActivation two products
// never saturate. Adding two steps' int16 sums before widening (EMBED_AVX2_U8S8_PAIR_ADD) makes
// each int16 lane sum four products, of the inputs 8s + {0, 1, 4, 5} or 8s + {2, 3, 6, 7} of one
// column, and plain int16 adds wrap: exact while the s8 operands of one sign among those four sum
// to at most kAvx2LaneWeightBudget in magnitude.
#include <cstddef>

namespace embed::kernels {

inline constexpr int kAvx2MaxActivation = 127;
inline constexpr int kAvx2LaneWeightBudget = 32767 / kAvx2MaxActivation;
// The inputs of each of the two int16 lanes among a pair of steps' 8 inputs of one column.
inline constexpr size_t kAvx2LaneInputs[2][4] = {{0, 1, 4, 5}, {2, 3, 6, 7}};

}  // namespace embed::kernels
