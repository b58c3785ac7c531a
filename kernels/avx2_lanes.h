#pragma once
// Internal to kernels/: lane masks and horizontal reductions of 8-lane AVX2 vectors. Include it
// only from objects compiled with the AVX2 flags; like lanes_mask.h it is in an anonymous
// namespace, so that no copy compiled for one instruction set serves another.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace embed::kernels {
namespace {

// Lanes [0, min(n, 8)), as a mask for maskload and maskstore.
inline __m256i first_lanes(size_t n) {
  const int count = n < 8 ? static_cast<int>(n) : 8;
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

inline float reduce_max(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

inline float reduce_add(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

inline int32_t reduce_add(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  return _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1)));
}

}  // namespace
}  // namespace embed::kernels
