#pragma once
// Binds the tensors of a BERT / XLM-RoBERTa checkpoint to the encoder's parameters, by the names
// Hugging Face saves (with or without a `bert.` / `roberta.` prefix). F32 tensors are used in
// place from the memory map; F16 / BF16 tensors are widened to F32 once, at load.
#include <memory>
#include <vector>

#include "loaders/checkpoint.h"
#include "loaders/model_config.h"

namespace embed {

struct LinearWeights {
  const float* weight = nullptr;  // [out][in], as nn.Linear stores it
  const float* bias = nullptr;    // [out]
  int out_features = 0;
  int in_features = 0;
};

struct LayerNormWeights {
  const float* gamma = nullptr;
  const float* beta = nullptr;
};

struct EncoderLayerWeights {
  LinearWeights query, key, value, attention_output;
  LayerNormWeights attention_norm;
  LinearWeights intermediate, output;
  LayerNormWeights output_norm;
};

struct EncoderWeights {
  const float* word_embeddings = nullptr;        // [vocab][hidden]
  const float* position_embeddings = nullptr;    // [max_positions][hidden]
  const float* token_type_embeddings = nullptr;  // [type_vocab][hidden]
  LayerNormWeights embedding_norm;
  std::vector<EncoderLayerWeights> layers;

  // Throws naming the checkpoint and tensor on a missing tensor, wrong shape or unusable dtype.
  static EncoderWeights bind(const ModelConfig& config, const Checkpoint& checkpoint);

 private:
  std::vector<std::unique_ptr<float[]>> widened_;  // F32 copies of F16/BF16 tensors
  friend class TensorBinder;
};

}  // namespace embed
