#include "kernels/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/kernels/kernel_test_support.h"

namespace embed::kernels {
namespace {

std::vector<double> reference(const std::vector<float>& x, size_t rows, size_t cols) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x.data() + r * cols;
    double m = row[0];
    for (size_t c = 0; c < cols; ++c) m = std::max(m, double(row[c]));
    double sum = 0;
    for (size_t c = 0; c < cols; ++c) sum += y[r * cols + c] = std::exp(row[c] - m);
    for (size_t c = 0; c < cols; ++c) y[r * cols + c] /= sum;
  }
  return y;
}

struct Shape {
  size_t rows, cols;
};
const Shape kShapes[] = {{1, 1},   {1, 7},    {3, 33},    {4, 128},
                         {9, 384}, {2, 1031}, {300, 300}, {64, 2048}};

class SoftmaxTest : public test::PerIsaTest {};

TEST_P(SoftmaxTest, MatchesReference) {
  for (const Shape& s : kShapes) {
    SCOPED_TRACE(testing::Message() << s.rows << "x" << s.cols);
    std::vector<float> x = test::random_floats(s.rows * s.cols, -20.0f, 20.0f, 21);
    const std::vector<double> expected = reference(x, s.rows, s.cols);
    softmax_rows(x.data(), s.rows, s.cols);
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_NEAR(x[i], expected[i], 1e-6 * expected[i] + 1e-9) << i;
  }
}

TEST_P(SoftmaxTest, LargeLogitsDoNotOverflow) {
  std::vector<float> x = {1000.0f, 999.0f, -1000.0f, 1000.0f, 0.0f, 998.0f, 1000.0f};
  const std::vector<double> expected = reference(x, 1, x.size());
  softmax_rows(x.data(), 1, x.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], expected[i], 1e-7) << i;
}

EMBED_INSTANTIATE_PER_ISA(SoftmaxTest);

}  // namespace
}  // namespace embed::kernels
