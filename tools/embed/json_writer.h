#pragma once
// Streams JSON output with floats in their shortest round-trip form (std::to_chars), which keeps
// large embedding outputs compact and exact without going through a DOM.
#include <charconv>
#include <cstdio>
#include <string>

namespace embed::cli {

inline void append_float(std::string& out, float value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

inline void append_float_array(std::string& out, const float* values, size_t count) {
  out += '[';
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ',';
    append_float(out, values[i]);
  }
  out += ']';
}

}  // namespace embed::cli
