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
  kernels::AlignedVector<uint16_t> qkv_bf16;   // Q|K|V of sequences on INT8 attention
  kernels::AlignedVector<float> query_states;  // the last layer's rows when not all are wanted
  std::vector<int32_t> positions;
  std::vector<size_t> query_rows;
};

// Which rows of the last hidden state a forward pass computes: every token's, or only each
// sequence's first (CLS pooling) or last (last-token pooling). The others are left stale.
enum class FinalStates { All, First, Last };

class Encoder {
 public:
  Encoder(const ModelConfig& config, const EncoderWeights& weights)
      : config_(config), weights_(weights) {}

  // Throws InputError for `input_index` unless every id is inside the vocabulary
  // and the length fits the position table. forward() requires inputs that passed this check.
  void check_input(std::span<const int32_t> ids, size_t input_index) const;

  // Returns the last hidden state, [num_tokens][hidden], in workspace.hidden: the rows `wanted`.
  void forward(const PackedBatch& batch, EncoderWorkspace& workspace,
               FinalStates wanted = FinalStates::All) const;

 private:
  void embed_tokens(const PackedBatch& batch, EncoderWorkspace& workspace) const;
  // With query_rows (an index within each sequence), only those rows' outputs are computed.
  void run_layer(const EncoderLayerWeights& layer, const PackedBatch& batch,
                 EncoderWorkspace& workspace, const size_t* query_rows) const;

  const ModelConfig& config_;
  const EncoderWeights& weights_;
};

}  // namespace embed
