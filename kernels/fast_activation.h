#pragma once
// Internal to kernels/: activations in float SIMD for the GEMM epilogues: the INT8 ones, whose
// results carry ~1e-3 relative error already, and our float panel GEMMs'. The exact kernels
// (KernelTable::activation) evaluate erf in double, which would cost more than the whole rest of an
// INT8 epilogue.
//
// Included by translation units compiled for different instruction sets, so everything is in an
// anonymous namespace: an inline function merged by the linker across two of them could carry
// wider instructions into a narrower path.
#include <xsimd/xsimd.hpp>

#include "kernels/activation.h"

namespace embed::kernels {
namespace {

// c[0]·t^(N-1) + … + c[N-1], in Horner form. Unrolled, with the coefficients static: as a loop
// over a local array, GCC rebuilt the array on the stack at every call (perf put 16% of an INT8
// GEMM's epilogue on those stores).
template <class Arch, size_t N>
inline xsimd::batch<float, Arch> horner(const xsimd::batch<float, Arch>& t, const float (&c)[N]) {
  using Batch = xsimd::batch<float, Arch>;
  Batch y(c[0]);
#pragma GCC unroll 16
  for (size_t i = 1; i < N; ++i) y = xsimd::fma(y, t, Batch(c[i]));
  return y;
}

// e^y for y ≤ 0, relative error ~2e-7. Inputs below -80 give e^-80: the caller only needs
// such values to be negligible, and products of them must stay normal floats (denormals cost
// microcode assists). xsimd::exp handles the whole range and costs several times more.
template <class Arch>
inline xsimd::batch<float, Arch> fast_exp_nonpositive(const xsimd::batch<float, Arch>& y) {
  using Batch = xsimd::batch<float, Arch>;
  using Ints = xsimd::batch<int32_t, Arch>;
  const Batch t = xsimd::max(y, Batch(-80.0f)) * Batch(1.44269504088896341f);  // log2(e)
  const Batch whole = xsimd::nearbyint(t);
  const Batch f = t - whole;  // in [-0.5, 0.5]: 2^f by its Taylor series in f·ln 2
  static constexpr float kTaylor[] = {1.5403530e-4f, 1.3333558e-3f, 9.6181291e-3f, 5.5504109e-2f,
                                      2.4022651e-1f, 6.9314718e-1f, 1.0f};
  const Batch p = horner(f, kTaylor);
  // 2^whole as float bits.
  const Ints bits = (xsimd::batch_cast<int32_t>(whole) + Ints(127)) << 23;
  return p * xsimd::bitwise_cast<Batch>(bits);
}

// x/2 · (1 + erf(x/√2)), with erf(z) = z · P(z²) / Q(z²) on |z| ≤ 4 and ±1 beyond (in float,
// erf(4) is 1). P and Q (degrees 5 and 5) are our least-squares fit (tools/fit_erf.py), reweighted
// towards the minimax, within 2.2e-8 of erf in exact arithmetic. About 20 operations against ~32
// for an exp-based form, whose arithmetic led perf's profile of the INT8 FFN-up epilogue.
template <class Arch>
inline xsimd::batch<float, Arch> fast_gelu_erf(const xsimd::batch<float, Arch>& x) {
  using Batch = xsimd::batch<float, Arch>;
  const Batch z = xsimd::clip(x * Batch(0.70710678118654752f), Batch(-4.0f), Batch(4.0f));
  const Batch t = z * z;
  static constexpr float kP[] = {1.9746291598e-6f, 2.8801524507e-4f, 4.0033459372e-3f,
                                 5.3466586962e-2f, 1.9624466738e-1f, 1.1283789774f};
  static constexpr float kQ[] = {3.7477359837e-5f, 1.2162485565e-3f, 1.5443874311e-2f,
                                 1.1647434115e-1f, 5.0724847589e-1f, 1.0f};
  const Batch p = horner(t, kP), q = horner(t, kQ);
  Batch r = xsimd::reciprocal(q);
  r = r * (Batch(2.0f) - q * r);  // one Newton step: the estimate has only 12–14 bits
  const Batch half = Batch(0.5f) * x;
  return xsimd::fma(half, z * p * r, half);
}

// x · Φ(x) as x/2 + |x| · (Φ(|x|) - 1/2), with Φ(a) - 1/2 = a · P(a²) for a = |x| clipped to 4,
// P of degree 7 (tools/fit_erf.py coarse), and exactly 1/2 from there on, so that large inputs
// give exactly x or 0: within kCoarseGeluErfError · max(1, |x|) of the exact form, in 14 operations
// against fast_gelu_erf's 21. For the INT8 epilogues only, whose GELU outputs are quantized again
// at steps of about 1/116 of their row's largest value.
inline constexpr double kCoarseGeluErfError = 3.4e-5;  // per max(1, |x|)
template <class Arch>
inline xsimd::batch<float, Arch> coarse_gelu_erf(const xsimd::batch<float, Arch>& x) {
  using Batch = xsimd::batch<float, Arch>;
  const Batch magnitude = xsimd::abs(x);
  const Batch a = xsimd::min(magnitude, Batch(4.0f));
  static constexpr float kP[] = {-1.3771870138e-9f, 1.0970759385e-7f,  -3.8156906784e-6f,
                                 7.7173941856e-5f,  -1.0247893838e-3f, 9.5811160206e-3f,
                                 -6.6032651745e-2f, 3.9876308296e-1f};
  // The fit is held a little above 1/2 at the clip, so the min makes it 1/2 exactly there.
  const Batch centred = xsimd::min(a * horner(a * a, kP), Batch(0.5f));
  return xsimd::fma(magnitude, centred, Batch(0.5f) * x);
}

template <class Arch>
inline xsimd::batch<float, Arch> fast_activation(Activation act,
                                                 const xsimd::batch<float, Arch>& x) {
  using Batch = xsimd::batch<float, Arch>;
  switch (act) {
    case Activation::GeluErf:
      return fast_gelu_erf(x);
    case Activation::GeluTanh: {
      const Batch inner = Batch(0.7978845608028654f) * xsimd::fma(Batch(0.044715f) * x * x, x, x);
      return Batch(0.5f) * x * (Batch(1.0f) + xsimd::tanh(inner));
    }
    case Activation::Relu:
      return xsimd::max(x, Batch(0.0f));
    case Activation::None:
      break;
  }
  return x;
}

// fast_activation for the INT8 epilogues: GELU's erf form coarse.
template <class Arch>
inline xsimd::batch<float, Arch> int8_epilogue_activation(Activation act,
                                                          const xsimd::batch<float, Arch>& x) {
  return act == Activation::GeluErf ? coarse_gelu_erf(x) : fast_activation(act, x);
}

}  // namespace
}  // namespace embed::kernels
