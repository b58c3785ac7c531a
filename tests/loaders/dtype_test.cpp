// Half-precision conversions are exact where they must be and round to nearest even.
#include "loaders/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace embed {
namespace {

TEST(DType, SizesAndNames) {
  EXPECT_EQ(dtype_size(DType::BF16), 2u);
  EXPECT_EQ(dtype_size(DType::I64), 8u);
  EXPECT_EQ(dtype_name(DType::I8), "I8");
  EXPECT_EQ(dtype_from_name("F16"), DType::F16);
  EXPECT_FALSE(dtype_from_name("f16").has_value());
}

TEST(DType, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const float value = half_to_float(static_cast<unsigned short>(bits));
    if (std::isnan(value)) continue;
    EXPECT_EQ(float_to_half(value), bits) << std::hex << bits;
  }
}

TEST(DType, HalfRoundsToNearestEven) {
  EXPECT_EQ(half_to_float(float_to_half(1.0f + 1.0f / 2048)), 1.0f);  // tie → even
  EXPECT_EQ(half_to_float(float_to_half(1.0f + 3.0f / 2048)), 1.0f + 2.0f / 1024);
  EXPECT_EQ(half_to_float(float_to_half(0.1f)), 0.0999755859375f);
  EXPECT_EQ(half_to_float(float_to_half(1e-7f)), 1.1920928955078125e-07f);  // subnormal
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(70000.0f))));
  EXPECT_EQ(half_to_float(float_to_half(65504.0f)), 65504.0f);
  EXPECT_EQ(half_to_float(float_to_half(-2.5f)), -2.5f);
}

TEST(DType, BFloat16) {
  for (uint32_t bits = 0; bits < 0x10000; bits += 7) {
    const float value = bfloat16_to_float(static_cast<unsigned short>(bits));
    if (std::isnan(value)) continue;
    EXPECT_EQ(float_to_bfloat16(value), bits);
  }
  EXPECT_EQ(bfloat16_to_float(float_to_bfloat16(1.00390625f)), 1.0f);  // tie → even
  EXPECT_EQ(bfloat16_to_float(float_to_bfloat16(3.14159265f)), 3.140625f);
}

}  // namespace
}  // namespace embed
