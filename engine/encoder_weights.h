#pragma once
// Binds the tensors of a BERT / XLM-RoBERTa checkpoint to the encoder's parameters, by the names
// Hugging Face saves (with or without a `bert.` / `roberta.` prefix). Embeddings, LayerNorms and
// biases are used in place from the memory map (F16 / BF16 ones widened to F32 once, at load).
// Linear weights are packed once for the chosen arithmetic (FP32, BF16, or INT8 from the tensors
// of an `embed quantize` folder: I8 `<name>` with F32 `<name>_scale`), and their mapped pages are
// then released: the packed copy is the only one kept.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/compute_type.h"
#include "kernels/prepared_linear.h"
#include "loaders/checkpoint.h"
#include "loaders/model_config.h"

namespace embed {

struct LinearWeights {
  kernels::PreparedLinear op;
  const float* bias = nullptr;  // [out]
};

struct LayerNormWeights {
  const float* gamma = nullptr;
  const float* beta = nullptr;
};

// A [rows][cols] lookup table stored as F32, or as I8 rows with one F32 scale per row.
struct EmbeddingTable {
  const float* f32 = nullptr;
  const int8_t* int8 = nullptr;
  const float* row_scales = nullptr;
  size_t cols = 0;

  // out[c] = table[row][c] (dequantized for INT8).
  void copy_row(size_t row, float* out) const;
};

struct EncoderLayerWeights {
  LinearWeights qkv;  // query, key and value as one [3·hidden][hidden] matrix
  LinearWeights attention_output;
  LayerNormWeights attention_norm;
  LinearWeights intermediate, output;
  LayerNormWeights output_norm;
};

struct EncoderWeights {
  EmbeddingTable word_embeddings;                // [vocab][hidden]
  const float* position_embeddings = nullptr;    // [max_positions][hidden]
  const float* token_type_embeddings = nullptr;  // [type_vocab][hidden]
  LayerNormWeights embedding_norm;
  std::vector<EncoderLayerWeights> layers;
  bool int8 = false;  // the checkpoint holds INT8 linear weights

  size_t linear_bytes() const;  // memory of the layers' prepared linear weights

  // Throws naming the checkpoint and tensor on a missing tensor, wrong shape or unusable dtype.
  // `compute` BF16 packs float weights as bf16; INT8 checkpoints always compute in INT8.
  static EncoderWeights bind(const ModelConfig& config, const Checkpoint& checkpoint,
                             ComputeType compute);

 private:
  std::vector<std::unique_ptr<float[]>> owned_;  // widened F16/BF16 tensors, fused QKV biases
  friend class TensorBinder;
};

// The tensor names of one encoder layer's linear weights, relative to the model prefix; the
// quantizer and the binder agree on them through this list.
std::vector<std::string> linear_weight_names(const ModelConfig& config);
// Strips a `bert.` / `roberta.` / `xlm_roberta.` prefix.
std::string unprefixed_tensor_name(const std::string& name);
// Pooler and LM-head tensors, and the int64 position / token-type id buffers that checkpoints
// saved by transformers before 4.31 carry: present in many checkpoints, never used here.
bool is_unused_tensor(const std::string& unprefixed_name);

inline constexpr const char* kWordEmbeddingsName = "embeddings.word_embeddings.weight";
inline constexpr const char* kScaleSuffix = "_scale";

}  // namespace embed
