#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace embed {

// Element types found in checkpoints (safetensors names).
enum class DType { F32, F16, BF16, I8, U8, I32, I64, F64 };

size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);  // "F32", "BF16", ...
std::optional<DType> dtype_from_name(std::string_view name);

// Widens one F16 / BF16 value to float (exact).
float half_to_float(unsigned short bits);
float bfloat16_to_float(unsigned short bits);

// Converts `count` little-endian F32 / F16 / BF16 values to float; false for other dtypes.
bool widen_to_float(const std::byte* data, size_t count, DType dtype, float* out);

// Narrows a float to F16 / BF16 bits, rounding to nearest even (F16 overflow gives infinity).
unsigned short float_to_half(float value);
unsigned short float_to_bfloat16(float value);

}  // namespace embed
