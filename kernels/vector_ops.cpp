#include "kernels/vector_ops.h"

#include <algorithm>
#include <cmath>

namespace embed::kernels {
namespace {

double dot_double(const float* a, const float* b, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

}  // namespace

float dot(const float* a, const float* b, size_t n) {
  return static_cast<float>(dot_double(a, b, n));
}

void l2_normalize_rows(float* x, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    const double norm = std::sqrt(dot_double(row, row, cols));
    const double scale = 1.0 / std::max(norm, 1e-12);
    for (size_t c = 0; c < cols; ++c) row[c] = static_cast<float>(row[c] * scale);
  }
}

}  // namespace embed::kernels
