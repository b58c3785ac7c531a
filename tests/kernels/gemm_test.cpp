#include "kernels/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "tests/kernels/kernel_test_support.h"

namespace embed::kernels {
namespace {

using test::random_floats;
using test::reference_activation;

struct Case {
  size_t m, k, n;
};
const Case kCases[] = {{1, 1, 1},    {1, 7, 33},     {7, 33, 1},
                       {33, 384, 7}, {70, 1024, 96}, {5, 100, 1031}};

// Each output is checked against a double triple loop, allowing float rounding relative to the
// magnitude of the products that were summed (cancellation can make the result itself tiny).
void check_linear(const Case& c, Activation act, bool with_bias, bool accumulate) {
  SCOPED_TRACE(testing::Message() << "m=" << c.m << " k=" << c.k << " n=" << c.n);
  const std::vector<float> x = random_floats(c.m * c.k, -1.0f, 1.0f, 41);
  const std::vector<float> w = random_floats(c.n * c.k, -1.0f, 1.0f, 42);
  const std::vector<float> bias = random_floats(c.n, -1.0f, 1.0f, 43);
  const std::vector<float> y0 = random_floats(c.m * c.n, -1.0f, 1.0f, 44);
  const LinearEpilogue epilogue{with_bias ? bias.data() : nullptr, act, accumulate};

  std::vector<float> y = y0;
  linear(x.data(), c.m, c.k, w.data(), c.n, y.data(), epilogue);
  for (size_t i = 0; i < c.m; ++i) {
    for (size_t j = 0; j < c.n; ++j) {
      double dot = epilogue.bias ? bias[j] : 0.0;
      double magnitude = std::abs(dot);
      for (size_t p = 0; p < c.k; ++p) {
        dot += double(x[i * c.k + p]) * w[j * c.k + p];
        magnitude += std::abs(double(x[i * c.k + p]) * w[j * c.k + p]);
      }
      double expected = reference_activation(epilogue.activation, dot);
      if (epilogue.accumulate) expected += y0[i * c.n + j];
      ASSERT_NEAR(y[i * c.n + j], expected, 1e-5 * magnitude + 1e-6) << i << "," << j;
    }
  }
}

class LinearTest : public ::testing::TestWithParam<Activation> {};

TEST_P(LinearTest, MatchesNaiveLoop) {
  for (const Case& c : kCases) check_linear(c, GetParam(), false, false);
}

TEST_P(LinearTest, WithBias) {
  for (const Case& c : kCases) check_linear(c, GetParam(), true, false);
}

TEST_P(LinearTest, Accumulating) {
  for (const Case& c : kCases) check_linear(c, GetParam(), false, true);
}

TEST_P(LinearTest, WithBiasAccumulating) {
  for (const Case& c : kCases) check_linear(c, GetParam(), true, true);
}

std::string activation_name(const ::testing::TestParamInfo<Activation>& info) {
  const char* names[] = {"None", "GeluErf", "GeluTanh", "Relu"};
  return names[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(Epilogue, LinearTest,
                         ::testing::Values(Activation::None, Activation::GeluErf,
                                           Activation::GeluTanh, Activation::Relu),
                         activation_name);

TEST(Linear, ConcurrentCallsFromSeveralThreadsAgree) {
  const Case c = {64, 256, 128};
  const std::vector<float> x = random_floats(c.m * c.k, -1.0f, 1.0f, 45);
  const std::vector<float> w = random_floats(c.n * c.k, -1.0f, 1.0f, 46);
  std::vector<float> expected(c.m * c.n);
  linear(x.data(), c.m, c.k, w.data(), c.n, expected.data(), {nullptr, Activation::GeluErf});
  std::vector<std::vector<float>> results(4, std::vector<float>(c.m * c.n));
  std::vector<std::thread> threads;
  for (auto& y : results)
    threads.emplace_back([&] {
      for (int rep = 0; rep < 20; ++rep)
        linear(x.data(), c.m, c.k, w.data(), c.n, y.data(), {nullptr, Activation::GeluErf});
    });
  for (auto& t : threads) t.join();
  for (const auto& y : results) EXPECT_EQ(y, expected);
}

TEST(Linear, EmptyBatchIsANoOp) {
  std::vector<float> w(6, 1.0f);
  linear(nullptr, 0, 3, w.data(), 2, nullptr);
}

}  // namespace
}  // namespace embed::kernels
