#pragma once
// Public entry point: a loaded embedding model (BERT or XLM-RoBERTa family) from a Hugging Face
// folder. One Model may serve concurrent encode calls from several threads.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "loaders/model_config.h"

namespace embed {

// A row-major [rows][cols] block of floats.
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> values;

  const float* row(size_t r) const { return values.data() + r * cols; }
};

struct LoadOptions {};

struct EncodeOptions {
  bool tokens = false;          // last hidden state per token
  size_t batch_tokens = 16384;  // token budget of one forward pass (a longer input runs alone)
};

struct Embedding {
  Matrix tokens;  // [n_tokens][hidden] when requested
};

class Model {
 public:
  static Model load(const std::filesystem::path& dir, const LoadOptions& options = {});
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  const ModelConfig& config() const;

  // Encodes token id sequences used as given (special tokens included). The result for an input
  // does not depend on the other inputs of the call.
  std::vector<Embedding> encode_ids(std::span<const std::vector<int32_t>> inputs,
                                    const EncodeOptions& options = {}) const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace embed
