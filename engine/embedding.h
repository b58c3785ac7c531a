#pragma once
// What encoding one input produces.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace embed {

// A row-major [rows][cols] block of floats.
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> values;

  const float* row(size_t r) const { return values.data() + r * cols; }
};

struct SparseWeight {
  int32_t token_id;
  float weight;
};

struct Embedding {
  std::vector<float> dense;
  std::vector<SparseWeight> sparse;  // BGE-M3 lexical weights: sorted by token id, all > 0
  Matrix colbert;                    // BGE-M3: [n_tokens - 1][dim], CLS dropped, rows L2-normalised
  Matrix tokens;                     // last hidden state, [n_tokens][hidden]
  std::vector<int32_t> ids;          // the token ids that were encoded
};

}  // namespace embed
