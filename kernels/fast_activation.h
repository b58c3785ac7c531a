#pragma once
// Internal to kernels/: activations in float SIMD for the INT8 epilogues, whose results carry
// ~1e-3 relative error already. The exact kernels (KernelTable::activation) evaluate erf in
// double, which would cost more than the whole rest of an INT8 epilogue.
//
// Included by translation units compiled for different instruction sets, so everything is in an
// anonymous namespace: an inline function merged by the linker across two of them could carry
// wider instructions into a narrower path.
#include <xsimd/xsimd.hpp>

#include "kernels/activation.h"

namespace embed::kernels {
namespace {

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
  Batch p = Batch(1.5403530e-4f);
  p = xsimd::fma(p, f, Batch(1.3333558e-3f));
  p = xsimd::fma(p, f, Batch(9.6181291e-3f));
  p = xsimd::fma(p, f, Batch(5.5504109e-2f));
  p = xsimd::fma(p, f, Batch(2.4022651e-1f));
  p = xsimd::fma(p, f, Batch(6.9314718e-1f));
  p = xsimd::fma(p, f, Batch(1.0f));
  // 2^whole as float bits.
  const Ints bits = (xsimd::batch_cast<int32_t>(whole) + Ints(127)) << 23;
  return p * xsimd::bitwise_cast<Batch>(bits);
}

// x/2 · (1 + erf(x/√2)), with erfc(|z|) from Abramowitz & Stegun 7.1.26 (absolute error
// ≤ 1.5e-7). Written as x·(1 − erfc/2) for x ≥ 0 and x·erfc/2 below, so large negative inputs do
// not cancel 1 against −1.
template <class Arch>
inline xsimd::batch<float, Arch> fast_gelu_erf(const xsimd::batch<float, Arch>& x) {
  using Batch = xsimd::batch<float, Arch>;
  const Batch z = xsimd::abs(x) * Batch(0.70710678118654752f);
  const Batch d = Batch(1.0f) + Batch(0.3275911f) * z;
  Batch t = xsimd::reciprocal(d);
  t = t * (Batch(2.0f) - d * t);  // one Newton step: the estimate has only 12–14 bits
  Batch poly = Batch(1.061405429f);
  poly = xsimd::fma(poly, t, Batch(-1.453152027f));
  poly = xsimd::fma(poly, t, Batch(1.421413741f));
  poly = xsimd::fma(poly, t, Batch(-0.284496736f));
  poly = xsimd::fma(poly, t, Batch(0.254829592f));
  const Batch half_erfc = Batch(0.5f) * poly * t * fast_exp_nonpositive(-z * z);
  return x * xsimd::select(x >= Batch(0.0f), Batch(1.0f) - half_erfc, half_erfc);
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

}  // namespace
}  // namespace embed::kernels
