#pragma once
// A batch of token sequences concatenated without padding: sequence s owns tokens
// [offsets[s], offsets[s+1]). GEMMs run over all tokens at once; attention per sequence. Every
// token has token type 0 (single texts; pairs are not encoded).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace embed {

struct PackedBatch {
  std::vector<int32_t> token_ids;
  std::vector<size_t> offsets{0};

  size_t num_sequences() const { return offsets.size() - 1; }
  size_t num_tokens() const { return token_ids.size(); }
  size_t length(size_t s) const { return offsets[s + 1] - offsets[s]; }

  void add(std::span<const int32_t> ids) {
    token_ids.insert(token_ids.end(), ids.begin(), ids.end());
    offsets.push_back(token_ids.size());
  }
};

}  // namespace embed
