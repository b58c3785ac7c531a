#include "kernels/quantize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/kernel_table.h"
#include "tests/kernels/kernel_test_support.h"
#include "tests/kernels/quantize_reference.h"

namespace embed::kernels {
namespace {

using test::random_floats;

class QuantizeTest : public test::PerIsaTest {};

void expect_exact(const std::vector<float>& x, size_t rows, size_t cols) {
  SCOPED_TRACE(testing::Message() << rows << "x" << cols);
  std::vector<int8_t> q(rows * cols);
  std::vector<float> scales(rows);
  quantize_rows_symmetric(x.data(), rows, cols, q.data(), scales.data());
  const test::QuantizedRows expected = test::reference_quantize(x.data(), rows, cols, 127);
  for (size_t r = 0; r < rows; ++r) {
    ASSERT_EQ(scales[r], expected.scales[r]) << "row " << r;
    ASSERT_TRUE(std::isfinite(scales[r]) && scales[r] > 0.0f) << "row " << r;
    for (size_t c = 0; c < cols; ++c)
      ASSERT_EQ(q[r * cols + c], expected.q[r * cols + c]) << r << "," << c;
  }
}

TEST_P(QuantizeTest, MatchesScalarReferenceAtOddSizes) {
  for (size_t cols : {1, 3, 15, 16, 17, 31, 33, 100, 1024, 1031}) {
    const size_t rows = 7;
    expect_exact(random_floats(rows * cols, -3.0f, 3.0f, unsigned(cols)), rows, cols);
  }
}

TEST_P(QuantizeTest, ManyRowsInParallel) {
  const size_t rows = 300, cols = 1024;  // enough work for the OpenMP split
  expect_exact(random_floats(rows * cols, -50.0f, 50.0f, 7), rows, cols);
}

TEST_P(QuantizeTest, ExtremeRows) {
  const size_t cols = 37;
  std::vector<float> x;
  const auto add_row = [&](float scale, bool alternate) {
    for (size_t c = 0; c < cols; ++c)
      x.push_back(scale * ((alternate && c % 2 ? -1.0f : 1.0f) * float(c + 1) / float(cols)));
  };
  add_row(0.0f, false);     // all zeros: scale 1
  add_row(FLT_MAX, true);   // largest finite values
  add_row(1e-35f, true);    // tiny: below the quantizable minimum
  add_row(FLT_MIN, false);  // smallest normal
  add_row(1e-29f, true);    // just above the minimum
  add_row(-1.0f, false);    // all negative
  x.push_back(1.0f);        // one non-zero value in an otherwise zero row
  x.insert(x.end(), cols - 1, 0.0f);
  add_row(127.5f, true);  // halfway cases round to even
  expect_exact(x, x.size() / cols, cols);

  std::vector<int8_t> q(x.size());
  std::vector<float> scales(x.size() / cols);
  quantize_rows_symmetric(x.data(), scales.size(), cols, q.data(), scales.data());
  EXPECT_EQ(scales[0], 1.0f);
  EXPECT_EQ(q[cols - 1], 0);
  EXPECT_EQ(q[2 * cols - 1], 127);  // the largest magnitude maps to ±127
  EXPECT_EQ(scales[2], 1.0f);
  EXPECT_EQ(q[3 * cols - 1], 0);
}

TEST_P(QuantizeTest, DequantizedRowsAreCloseToTheInput) {
  const size_t rows = 5, cols = 257;
  const std::vector<float> x = random_floats(rows * cols, -8.0f, 8.0f, 9);
  std::vector<int8_t> q(x.size());
  std::vector<float> scales(rows);
  quantize_rows_symmetric(x.data(), rows, cols, q.data(), scales.data());
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      ASSERT_NEAR(q[r * cols + c] * scales[r], x[r * cols + c], 0.5f * scales[r] * 1.0001f);
}

// The INT8 path re-quantizes bf16 intermediates: they must quantize exactly as the floats they
// stand for, tails included.
TEST_P(QuantizeTest, Bf16RowsQuantizeAsTheirFloatValues) {
  const KernelTable& table = kernel_table();
  for (size_t cols : {1, 3, 15, 16, 17, 31, 33, 100, 1031}) {
    SCOPED_TRACE(testing::Message() << "cols " << cols);
    const size_t rows = 5;
    const std::vector<float> x = random_floats(rows * cols, -40.0f, 40.0f, unsigned(cols));
    std::vector<uint16_t> bits(x.size());
    std::vector<float> widened(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      bits[i] = test::to_bf16(x[i]);
      widened[i] = test::from_bf16(bits[i]);
    }
    std::vector<uint8_t> expected(x.size()), q(x.size());
    std::vector<float> expected_scales(rows), scales(rows);
    table.quantize_rows(widened.data(), rows, cols, {127, 127, 128}, expected.data(),
                        expected_scales.data());
    table.quantize_bf16_rows(bits.data(), rows, cols, {127, 127, 128}, q.data(), scales.data());
    EXPECT_EQ(scales, expected_scales);
    EXPECT_EQ(q, expected);
  }
}

// Skewed levels, as for GELU's outputs (10 below zero, 116 above, zero point 11): the scale is set
// by whichever side needs the coarser step, here the positive one in rows reaching 4 and the
// negative one in rows reaching 0.5 (0.17 / 10 > 0.5 / 116), and every value is within half a step.
TEST_P(QuantizeTest, SkewedLevelsGiveEachSideItsShare) {
  const QuantizationLevels levels{116, 10, 11};
  const size_t rows = 6, cols = 1031;
  std::vector<float> x;
  for (size_t r = 0; r < rows; ++r) {
    const std::vector<float> row =
        random_floats(cols, -0.17f, r % 2 ? 0.5f : 4.0f, unsigned(r + 1));
    x.insert(x.end(), row.begin(), row.end());
  }
  std::vector<uint8_t> q(x.size());
  std::vector<float> scales(rows);
  kernel_table().quantize_rows(x.data(), rows, cols, levels, q.data(), scales.data());
  for (size_t r = 0; r < rows; ++r) {
    float highest = 0, lowest = 0;
    for (size_t c = 0; c < cols; ++c) {
      highest = std::max(highest, x[r * cols + c]);
      lowest = std::max(lowest, -x[r * cols + c]);
    }
    const bool by_negative = r % 2 == 1;
    ASSERT_EQ(lowest * 116 > highest * 10, by_negative) << "row " << r;
    ASSERT_EQ(scales[r], by_negative ? lowest / 10 : highest / 116) << "row " << r;
    for (size_t c = 0; c < cols; ++c) {
      const int u = q[r * cols + c];
      ASSERT_GE(u, 1) << r << "," << c;
      ASSERT_LE(u, 127) << r << "," << c;
      ASSERT_NEAR((u - 11) * scales[r], x[r * cols + c], 0.5f * scales[r] * 1.0001f)
          << r << "," << c;
    }
  }
}

EMBED_INSTANTIATE_PER_ISA(QuantizeTest);

}  // namespace
}  // namespace embed::kernels
