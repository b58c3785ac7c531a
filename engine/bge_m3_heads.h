#pragma once
// BGE-M3's extra heads: sparse_linear (hidden → 1) for lexical weights and colbert_linear
// (hidden → dim) for multi-vectors, loaded from `<head>.safetensors` or BAAI's `<head>.pt`.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/embedding.h"

namespace embed {

struct DenseHead {
  std::vector<float> weight;  // [out][in]
  std::vector<float> bias;    // [out]
  int out_features = 0;
  int in_features = 0;
};

class BgeM3Heads {
 public:
  // Heads absent from the folder are simply not available.
  static BgeM3Heads load(const std::filesystem::path& model_dir, int hidden_size);

  bool has_sparse() const { return sparse_.has_value(); }
  bool has_colbert() const { return colbert_.has_value(); }
  int colbert_dim() const { return colbert_ ? colbert_->out_features : 0; }
  // The heads present, by file stem ("sparse_linear", "colbert_linear").
  std::vector<std::pair<std::string, const DenseHead*>> dense_heads() const;

  // relu(sparse_linear(h_t)) for each of `tokens` rows of `states`.
  void sparse_token_weights(const float* states, size_t tokens, float* out) const;
  // Lexical weights of one sequence: max weight per id, `excluded` ids dropped, only > 0 kept.
  static std::vector<SparseWeight> lexical_weights(std::span<const int32_t> ids,
                                                   std::span<const float> token_weights,
                                                   std::span<const int32_t> excluded);
  // colbert_linear(h[1:]) with each row L2-normalised: [length - 1][colbert_dim].
  Matrix colbert_vectors(const float* sequence_states, size_t length) const;

 private:
  std::optional<DenseHead> sparse_, colbert_;
};

}  // namespace embed
