#pragma once
// Public entry point: an embedding model (BERT or XLM-RoBERTa / BGE-M3 family) loaded from a
// Hugging Face folder. One Model serves concurrent encode calls from several threads.
//
//   // A folder, or ORG/NAME in the Hugging Face cache:
//   embed::Model model = embed::Model::load("BAAI/bge-m3");
//   std::vector<std::string> texts{"What is BGE M3?"};
//   auto out = model.encode(texts, {.sparse = true, .colbert = true});
//   float self_score = embed::dense_score(out[0].dense, out[0].dense);  // engine/scores.h
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compute_type.h"
#include "engine/embedding.h"
#include "engine/input_error.h"
#include "engine/tokenizer.h"
#include "loaders/model_config.h"
#include "loaders/sentence_transformers.h"

namespace embed {

struct LoadOptions {
  ComputeType compute = ComputeType::Auto;  // Auto: F32, or INT8 for quantized folders
};

using Pooling = PoolingMode;

struct ModelInfo {
  std::filesystem::path path;  // the resolved folder
  std::string architecture;    // "bert" or "xlm-roberta"
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int vocab_size = 0;
  int max_length = 0;  // tokens per input, special tokens included
  int output_dim = 0;  // dense vector size
  Pooling pooling = Pooling::Cls;
  bool normalize = true;
  bool has_sparse = false;   // BGE-M3 sparse_linear head present
  bool has_colbert = false;  // BGE-M3 colbert_linear head present
  std::string weight_dtype;  // "f32", "f16", "bf16" or "int8" (as stored)
  std::string compute_dtype;
  uint64_t parameter_count = 0;
  bool quantized = false;  // an `embed quantize` folder (its space id is its source's)
};

struct EncodeOptions {
  bool dense = true;
  bool sparse = false;    // BGE-M3 lexical weights
  bool colbert = false;   // BGE-M3 multi-vectors
  bool tokens = false;    // last hidden state per token
  size_t max_length = 0;  // 0: the model's limit; texts are truncated, ids are not
  // Token budget of one forward pass (a longer input runs alone). Models whose weights stay in
  // cache (up to 32 MB, e.g. MiniLM in INT8) run passes of at most 512 tokens, which is faster.
  size_t batch_tokens = 16384;
  bool normalize = true;  // apply the model's normalisation to dense vectors
};

class Model;

// The model's info and space id as a JSON object (what `embed info` prints).
std::string info_json(const Model& model);

class Model {
 public:
  // `name_or_path`: a model folder, or ORG/NAME looked up in the Hugging Face cache.
  static Model load(const std::string& name_or_path, const LoadOptions& options = {});
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  const ModelInfo& info() const;
  // Identifies the vector space: architecture, every weight byte, pooling and normalisation, so
  // a vector store can refuse vectors of another space. A quantized copy keeps its source's id.
  // Computed on the first call (it reads every weight once, ~0.5 s for BGE-M3), then cached.
  const std::string& space_id() const;
  const ModelConfig& config() const;
  const Tokenizer& tokenizer() const;  // throws when the folder has no tokenizer files

  // Tokenizes with special tokens, truncated to max_length (0: the model's limit; never beyond).
  Encoding tokenize(std::string_view text, size_t max_length = 0) const;

  // Tokenizes (truncating to max_length or the model's limit) and encodes each text.
  std::vector<Embedding> encode(std::span<const std::string> texts,
                                const EncodeOptions& options = {}) const;
  // Encodes token id sequences used as given (special tokens included).
  std::vector<Embedding> encode_ids(std::span<const std::vector<int32_t>> inputs,
                                    const EncodeOptions& options = {}) const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace embed
