// The float activations of the GEMM epilogues (kernels/fast_activation.h), at the baseline
// instruction set of this test; the AVX-512 instantiation is the same arithmetic and is covered
// through PreparedLinear's INT8 tests.
#include "kernels/fast_activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

namespace embed::kernels {
namespace {

using Batch = xsimd::batch<float>;

// fast_activation over x, or the INT8 epilogues' int8_epilogue_activation.
std::vector<float> apply(Activation act, const std::vector<float>& x, bool int8_epilogue = false) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i + Batch::size <= x.size(); i += Batch::size) {
    const Batch v = Batch::load_unaligned(x.data() + i);
    (int8_epilogue ? int8_epilogue_activation(act, v) : fast_activation(act, v))
        .store_unaligned(y.data() + i);
  }
  return y;
}

// A sweep over where GELU bends, then far into both tails, where the exp term underflows.
std::vector<float> inputs() {
  std::vector<float> x;
  for (float v = -16.0f; v < 16.0f; v += 1.0f / 512) x.push_back(v);
  for (float v : {-1e30f, -1e6f, -100.0f, -40.0f, 40.0f, 100.0f, 1e6f, 1e30f}) x.push_back(v);
  while (x.size() % Batch::size) x.push_back(0.0f);
  return x;
}

// y = GELU(x) (erf form) within bound · max(1, |x|), never subnormal; the worst such error in
// *worst, and recorded as the test's property.
void expect_gelu_erf(const std::vector<float>& x, const std::vector<float>& y, double bound,
                     double* worst) {
  *worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double exact = 0.5 * x[i] * std::erfc(-x[i] / std::sqrt(2.0));
    const double error = std::abs(y[i] - exact) / std::max(1.0, std::abs(double(x[i])));
    *worst = std::max(*worst, error);
    ASSERT_LE(error, bound) << "x = " << x[i] << ": " << y[i] << " vs " << exact;
    // Denormal intermediates or results would cost microcode assists on every element.
    ASSERT_NE(std::fpclassify(y[i]), FP_SUBNORMAL) << "x = " << x[i];
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", *worst);
  ::testing::Test::RecordProperty("worst_relative_error", text);
}

TEST(FastActivation, GeluErfIsWithinAFewUlpsOfTheExactForm) {
  const std::vector<float> x = inputs();
  double worst;
  // The rational erf is good to ~2e-8 before float rounding, scaled by x/2 in GELU.
  ASSERT_NO_FATAL_FAILURE(expect_gelu_erf(x, apply(Activation::GeluErf, x), 3e-7, &worst));
}

// The INT8 epilogues' GELU: coarser, by a stated bound, and the other activations as
// fast_activation's.
TEST(FastActivation, Int8EpilogueGeluErfIsWithinItsStatedBound) {
  const std::vector<float> x = inputs();
  const std::vector<float> y = apply(Activation::GeluErf, x, /*int8_epilogue=*/true);
  double worst;
  ASSERT_NO_FATAL_FAILURE(expect_gelu_erf(x, y, kCoarseGeluErfError, &worst));
  // Coarse, not exact: the bound is the fit's, not float rounding's.
  EXPECT_GT(worst, 1e-6);
  // Past the fit's clip, exactly the GELU's limits.
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::abs(x[i]) < 4.0f) continue;
    ASSERT_EQ(y[i], std::max(x[i], 0.0f)) << "x = " << x[i];
  }
  for (const Activation act : {Activation::GeluTanh, Activation::Relu, Activation::None})
    EXPECT_EQ(apply(act, x, /*int8_epilogue=*/true), apply(act, x)) << static_cast<int>(act);
}

TEST(FastActivation, GeluTanhAndReluFollowTheirDefinitions) {
  const std::vector<float> x = inputs();
  const std::vector<float> tanh_form = apply(Activation::GeluTanh, x);
  const std::vector<float> relu = apply(Activation::Relu, x);
  const std::vector<float> none = apply(Activation::None, x);
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::abs(x[i]) > 1e6f) continue;  // x³ overflows float in the tanh form's argument
    const double v = x[i];
    const double exact =
        0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    ASSERT_NEAR(tanh_form[i], exact, 1e-6 * std::max(1.0, std::abs(v))) << "x = " << v;
    ASSERT_EQ(relu[i], std::max(0.0f, x[i]));
    ASSERT_EQ(none[i], x[i]);
  }
}

}  // namespace
}  // namespace embed::kernels
