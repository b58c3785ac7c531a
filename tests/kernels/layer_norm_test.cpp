#include "kernels/layer_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/kernels/kernel_test_support.h"

namespace embed::kernels {
namespace {

using test::random_floats;

constexpr float kEps = 1e-5f;
// Normalised outputs are O(1); float accumulation over 1024 columns stays well inside this.
constexpr float kTolerance = 1e-5f;

std::vector<float> reference(const std::vector<float>& x, const std::vector<float>& gamma,
                             const std::vector<float>& beta, size_t rows, size_t cols) {
  std::vector<float> y(x.size());
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x.data() + r * cols;
    double mean = 0;
    for (size_t c = 0; c < cols; ++c) mean += row[c];
    mean /= cols;
    double var = 0;
    for (size_t c = 0; c < cols; ++c) var += (row[c] - mean) * (row[c] - mean);
    var /= cols;
    const double rstd = 1.0 / std::sqrt(var + kEps);
    for (size_t c = 0; c < cols; ++c)
      y[r * cols + c] = static_cast<float>((row[c] - mean) * rstd * gamma[c] + beta[c]);
  }
  return y;
}

struct Shape {
  size_t rows, cols;
};
// Odd widths exercise the partial-batch tails; 128 × 1024 is large enough to run in parallel.
const Shape kShapes[] = {{1, 1},    {1, 7},    {3, 33},     {5, 384},
                         {2, 1024}, {70, 385}, {128, 1024}, {17, 4096}};

class LayerNormTest : public test::PerIsaTest {};

TEST_P(LayerNormTest, MatchesReference) {
  for (const Shape& s : kShapes) {
    SCOPED_TRACE(testing::Message() << s.rows << "x" << s.cols);
    // An offset mean makes a one-pass E[x²] - mean² variance visibly wrong.
    std::vector<float> x = random_floats(s.rows * s.cols, 97.0f, 103.0f, 1);
    const std::vector<float> gamma = random_floats(s.cols, 0.5f, 1.5f, 2);
    const std::vector<float> beta = random_floats(s.cols, -1.0f, 1.0f, 3);
    const std::vector<float> expected = reference(x, gamma, beta, s.rows, s.cols);

    std::vector<float> y(x.size());
    layer_norm(x.data(), gamma.data(), beta.data(), kEps, y.data(), s.rows, s.cols);
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], kTolerance) << i;

    layer_norm(x.data(), gamma.data(), beta.data(), kEps, x.data(), s.rows, s.cols);
    EXPECT_EQ(x, y) << "in-place result differs";
  }
}

EMBED_INSTANTIATE_PER_ISA(LayerNormTest);

}  // namespace
}  // namespace embed::kernels
