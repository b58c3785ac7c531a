#include "engine/pooling.h"

#include <algorithm>

namespace embed {

std::vector<float> pool_tokens(const float* states, size_t rows, size_t cols, PoolingMode mode) {
  switch (mode) {
    case PoolingMode::Cls:
      return {states, states + cols};
    case PoolingMode::LastToken:
      return {states + (rows - 1) * cols, states + rows * cols};
    case PoolingMode::Max: {
      std::vector<float> out(states, states + cols);
      for (size_t r = 1; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) out[c] = std::max(out[c], states[r * cols + c]);
      return out;
    }
    case PoolingMode::Mean: {
      std::vector<double> sum(cols, 0.0);
      for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) sum[c] += states[r * cols + c];
      std::vector<float> out(cols);
      for (size_t c = 0; c < cols; ++c) out[c] = static_cast<float>(sum[c] / double(rows));
      return out;
    }
  }
  return {};
}

const char* pooling_name(PoolingMode mode) {
  switch (mode) {
    case PoolingMode::Cls:
      return "cls";
    case PoolingMode::Mean:
      return "mean";
    case PoolingMode::Max:
      return "max";
    case PoolingMode::LastToken:
      return "lasttoken";
  }
  return "?";
}

}  // namespace embed
