#include "kernels/elementwise.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/kernels/kernel_test_support.h"

namespace embed::kernels {
namespace {

class ElementwiseTest : public test::PerIsaTest {};

TEST_P(ElementwiseTest, Add) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{33}, size_t{1024}, size_t{1031}, size_t{1} << 18}) {
    std::vector<float> y = test::random_floats(n, -5.0f, 5.0f, 31);
    const std::vector<float> x = test::random_floats(n, -5.0f, 5.0f, 32);
    std::vector<float> expected(n);
    for (size_t i = 0; i < n; ++i) expected[i] = y[i] + x[i];
    add(y.data(), x.data(), n);
    ASSERT_EQ(y, expected) << "n=" << n;
  }
}

TEST_P(ElementwiseTest, AddBiasRows) {
  struct Shape {
    size_t rows, cols;
  };
  for (Shape s : {Shape{1, 1}, Shape{3, 7}, Shape{5, 33}, Shape{70, 384}, Shape{129, 1024}}) {
    std::vector<float> y = test::random_floats(s.rows * s.cols, -5.0f, 5.0f, 33);
    const std::vector<float> bias = test::random_floats(s.cols, -5.0f, 5.0f, 34);
    std::vector<float> expected = y;
    for (size_t r = 0; r < s.rows; ++r)
      for (size_t c = 0; c < s.cols; ++c) expected[r * s.cols + c] += bias[c];
    add_bias_rows(y.data(), bias.data(), s.rows, s.cols);
    ASSERT_EQ(y, expected) << s.rows << "x" << s.cols;
  }
}

EMBED_INSTANTIATE_PER_ISA(ElementwiseTest);

}  // namespace
}  // namespace embed::kernels
