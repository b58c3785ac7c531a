#include "engine/scores.h"

#include <algorithm>
#include <limits>

#include "kernels/vector_ops.h"

namespace embed {

float dense_score(std::span<const float> a, std::span<const float> b) {
  return kernels::dot(a.data(), b.data(), std::min(a.size(), b.size()));
}

float lexical_score(std::span<const SparseWeight> query, std::span<const SparseWeight> passage) {
  // Both lists are sorted by token id: one merge pass finds the shared ids.
  double sum = 0;
  size_t i = 0, j = 0;
  while (i < query.size() && j < passage.size()) {
    if (query[i].token_id < passage[j].token_id) {
      ++i;
    } else if (passage[j].token_id < query[i].token_id) {
      ++j;
    } else {
      sum += static_cast<double>(query[i++].weight) * passage[j++].weight;
    }
  }
  return static_cast<float>(sum);
}

float colbert_score(const Matrix& query, const Matrix& passage) {
  if (query.rows == 0 || passage.rows == 0) return 0;
  double total = 0;
  for (size_t q = 0; q < query.rows; ++q) {
    float best = -std::numeric_limits<float>::infinity();
    for (size_t p = 0; p < passage.rows; ++p)
      best = std::max(best, kernels::dot(query.row(q), passage.row(p), query.cols));
    total += best;
  }
  return static_cast<float>(total / static_cast<double>(query.rows));
}

Scores score(const Embedding& query, const Embedding& passage, const ScoreWeights& weights) {
  Scores scores;
  scores.dense = dense_score(query.dense, passage.dense);
  scores.sparse = lexical_score(query.sparse, passage.sparse);
  scores.colbert = colbert_score(query.colbert, passage.colbert);
  const double weight_sum = double(weights.dense) + weights.sparse + weights.colbert;
  if (weight_sum > 0)
    scores.combined = static_cast<float>((double(weights.dense) * scores.dense +
                                          double(weights.sparse) * scores.sparse +
                                          double(weights.colbert) * scores.colbert) /
                                         weight_sum);
  return scores;
}

}  // namespace embed
