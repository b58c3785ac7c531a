#include "kernels/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tests/kernels/kernel_test_support.h"

namespace embed::kernels {
namespace {

// erfc(-z) = 1 + erf(z), without the cancellation that would zero the reference for x < -8.
double gelu_erf(double x) {
  return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
}

double gelu_tanh(double x) {
  const double c = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
}

// Dense sweep over where GELU is neither 0 nor x, random values, then odd lengths for the tails.
std::vector<float> inputs() {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 1.0f / 1024) x.push_back(v);
  const std::vector<float> r = test::random_floats(1001, -6.0f, 6.0f, 11);
  x.insert(x.end(), r.begin(), r.end());
  return x;
}

const size_t kLengths[] = {1, 7, 33, 384, 1024, 1031};

class ActivationTest : public test::PerIsaTest {
 protected:
  // Applies `act` to the sweep and to prefixes of odd lengths, comparing each element to ref.
  template <class Ref>
  void check(Activation act, Ref ref, double rel_tol, double abs_tol) {
    const std::vector<float> x = inputs();
    std::vector<float> y = x;
    apply_activation(act, y.data(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const double expected = ref(static_cast<double>(x[i]));
      const double err = std::abs(y[i] - expected);
      ASSERT_LE(err, rel_tol * std::abs(expected) + abs_tol) << "x=" << x[i] << " got " << y[i];
    }
    for (size_t n : kLengths) {
      std::vector<float> part(x.begin() + 5000, x.begin() + 5000 + n);
      apply_activation(act, part.data(), n);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(part[i], y[5000 + i]) << "length " << n;
    }
  }
};

// The exact form must be as accurate as float allows: 1e-7 relative (< 2 ulp), including the far
// negative tail where x/2·(1 + erf) would cancel; only subnormal results may lose digits.
constexpr double kGeluErfRelTol = 1e-7;
constexpr double kSubnormal = std::numeric_limits<float>::min();

TEST_P(ActivationTest, GeluErfIsExact) {
  check(Activation::GeluErf, gelu_erf, kGeluErfRelTol, kSubnormal);
}

TEST_P(ActivationTest, GeluTanh) {
  // 1 + tanh cancels for very negative x, in the reference formula too: bound absolutely there.
  check(Activation::GeluTanh, gelu_tanh, 5e-7, 1e-7);
}

TEST_P(ActivationTest, Relu) {
  check(
      Activation::Relu, [](double x) { return x > 0 ? x : 0.0; }, 0, 0);
}

TEST_P(ActivationTest, NoneLeavesInputAlone) {
  const std::vector<float> x = inputs();
  std::vector<float> y = x;
  apply_activation(Activation::None, y.data(), y.size());
  EXPECT_EQ(x, y);
}

TEST_P(ActivationTest, LargeBufferRunsInParallelWithSameResult) {
  std::vector<float> x = test::random_floats(1 << 20, -8.0f, 8.0f, 12);
  std::vector<float> y = x;
  apply_activation(Activation::GeluErf, y.data(), y.size());
  for (size_t i = 0; i < x.size(); i += 977)
    ASSERT_NEAR(y[i], gelu_erf(x[i]), kGeluErfRelTol * std::abs(gelu_erf(x[i])) + kSubnormal);
}

EMBED_INSTANTIATE_PER_ISA(ActivationTest);

}  // namespace
}  // namespace embed::kernels
