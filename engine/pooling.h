#pragma once
// Sentence vectors from token states, as sentence-transformers pools them.
#include <cstddef>
#include <vector>

#include "loaders/sentence_transformers.h"

namespace embed {

// `states` is [rows][cols]; every row is a real token (specials included, no padding).
std::vector<float> pool_tokens(const float* states, size_t rows, size_t cols, PoolingMode mode);

const char* pooling_name(PoolingMode mode);

}  // namespace embed
