#include "loaders/dtype.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
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

bool widen_to_float(const std::byte* data, size_t count, DType dtype, float* out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  switch (dtype) {
    case DType::F32:
      std::memcpy(out, data, count * sizeof(float));
      return true;
    case DType::F16:
    case DType::BF16:
      for (size_t i = 0; i < count; ++i) {
        const auto bits = static_cast<unsigned short>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
        out[i] = dtype == DType::F16 ? half_to_float(bits) : bfloat16_to_float(bits);
      }
      return true;
    default:
      return false;
  }
}

unsigned short float_to_bfloat16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<unsigned short>((bits >> 16) | 0x40);
  return static_cast<unsigned short>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

unsigned short float_to_half(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return static_cast<unsigned short>(sign | 0x7e00u);   // nan
  if (magnitude >= 0x477ff000u) return static_cast<unsigned short>(sign | 0x7c00u);  // overflow
  if (magnitude < 0x33000000u) return static_cast<unsigned short>(sign);  // below half subnormal
  const int exponent = static_cast<int>(magnitude >> 23) - 127 + 15;
  uint32_t half, remainder, halfway;
  if (exponent >= 1) {
    half = (static_cast<uint32_t>(exponent) << 10) | ((magnitude & 0x7fffffu) >> 13);
    remainder = magnitude & 0x1fffu;
    halfway = 0x1000u;
  } else {  // subnormal half: the implicit bit moves into the mantissa
    const uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
    const int shift = 14 - exponent;
    half = mantissa >> shift;
    remainder = mantissa & ((1u << shift) - 1);
    halfway = 1u << (shift - 1);
  }
  // A carry out of the mantissa lands in the exponent, which is the correctly rounded result.
  if (remainder > halfway || (remainder == halfway && (half & 1u))) ++half;
  return static_cast<unsigned short>(sign | half);
}

}  // namespace embed
