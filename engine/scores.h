#pragma once
// Similarity scores between embeddings, as FlagEmbedding defines them for BGE-M3.
#include <span>

#include "engine/embedding.h"

namespace embed {

// Dot product of two dense vectors (cosine when both are normalised).
float dense_score(std::span<const float> a, std::span<const float> b);

// Lexical matching: Σ over token ids present in both of w_q · w_p.
float lexical_score(std::span<const SparseWeight> query, std::span<const SparseWeight> passage);

// ColBERT late interaction: mean over query vectors of the max dot product over passage vectors.
float colbert_score(const Matrix& query, const Matrix& passage);

struct ScoreWeights {
  float dense = 0.4f;
  float sparse = 0.2f;
  float colbert = 0.4f;
};

struct Scores {
  float dense = 0;
  float sparse = 0;
  float colbert = 0;
  float combined = 0;  // (w_d·dense + w_s·sparse + w_c·colbert) / (w_d + w_s + w_c)
};

// All three scores (an output the embeddings lack scores 0) and their weighted combination, as
// FlagEmbedding's compute_score does; give a zero weight to an output the model lacks.
Scores score(const Embedding& query, const Embedding& passage, const ScoreWeights& weights = {});

}  // namespace embed
