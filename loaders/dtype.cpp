#include "loaders/dtype.h"

#include <array>
#include <bit>
#include <cstdint>
#include <utility>

namespace embed {
namespace {

constexpr std::array<std::pair<DType, std::string_view>, 8> kNames{{
    {DType::F32, "F32"},
    {DType::F16, "F16"},
    {DType::BF16, "BF16"},
    {DType::I8, "I8"},
    {DType::U8, "U8"},
    {DType::I32, "I32"},
    {DType::I64, "I64"},
    {DType::F64, "F64"},
}};

}  // namespace

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::I8:
    case DType::U8:
      return 1;
    case DType::F16:
    case DType::BF16:
      return 2;
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::I64:
    case DType::F64:
      return 8;
  }
  return 0;
}

std::string_view dtype_name(DType dtype) {
  for (const auto& [value, name] : kNames)
    if (value == dtype) return name;
  return "?";
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& [value, known] : kNames)
    if (known == name) return value;
  return std::nullopt;
}

float half_to_float(unsigned short bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0x1f) {
    out = sign | 0x7f800000u | (mantissa << 13);  // inf / nan
  } else if (exponent != 0) {
    out = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    out = sign;
  } else {
    // Subnormal half: normalise the mantissa into a float exponent.
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    out = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(out);
}

float bfloat16_to_float(unsigned short bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

}  // namespace embed
