#pragma once
// The transformer encoder shared by BERT and XLM-RoBERTa: embeddings + post-LN layers.
#include <span>
#include <vector>

#include "engine/encoder_weights.h"
#include "engine/packed_batch.h"
#include "kernels/aligned_vector.h"
#include "loaders/model_config.h"

namespace embed {

// Activation buffers for one batch shape, grown on demand and reused across layers and calls.
struct EncoderWorkspace {
  // Cache-line aligned: the kernels read and write their rows in whole vectors.
  kernels::AlignedVector<float> hidden, qkv, context;
  kernels::AlignedVector<uint16_t> qkv_bf16;  // Q|K|V of sequences on INT8 attention
  std::vector<int32_t> positions;
};

class Encoder {
 public:
  Encoder(const ModelConfig& config, const EncoderWeights& weights)
      : config_(config), weights_(weights) {}

  // Throws InputError for `input_index` unless every id is inside the vocabulary
  // and the length fits the position table. forward() requires inputs that passed this check.
  void check_input(std::span<const int32_t> ids, size_t input_index) const;

  // Returns the last hidden state, [num_tokens][hidden], in workspace.hidden.
  void forward(const PackedBatch& batch, EncoderWorkspace& workspace) const;

 private:
  void embed_tokens(const PackedBatch& batch, EncoderWorkspace& workspace) const;
  void run_layer(const EncoderLayerWeights& layer, const PackedBatch& batch,
                 EncoderWorkspace& workspace) const;

  const ModelConfig& config_;
  const EncoderWeights& weights_;
};

}  // namespace embed
