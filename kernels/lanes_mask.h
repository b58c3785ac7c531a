#pragma once
// Internal to kernels/: the mask of a 16-lane AVX-512 vector's first lanes, for loads and stores
// of a row's tail. Included by objects compiled for different instruction sets, so it is in an
// anonymous namespace (see fast_activation.h); it uses the mask type only, no instruction.
#include <immintrin.h>

#include <cstddef>

namespace embed::kernels {
namespace {

// Lanes [0, min(n, 16)).
inline __mmask16 lanes_mask(size_t n) {
  return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
}

}  // namespace
}  // namespace embed::kernels
