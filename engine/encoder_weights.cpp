#include "engine/encoder_weights.h"

#include <stdexcept>
#include <string>

namespace embed {

// Resolves names, checks shapes and dtypes, and widens half-precision tensors.
class TensorBinder {
 public:
  TensorBinder(const Checkpoint& checkpoint, EncoderWeights& weights)
      : checkpoint_(checkpoint), weights_(weights) {
    for (const char* candidate : {"", "bert.", "roberta.", "xlm_roberta."}) {
      if (checkpoint.find(std::string(candidate) + "embeddings.word_embeddings.weight")) {
        prefix_ = candidate;
        return;
      }
    }
    throw std::runtime_error(checkpoint.describe() +
                             ": missing tensor 'embeddings.word_embeddings.weight' (also looked "
                             "for it under the bert. and roberta. prefixes)");
  }

  const float* tensor(const std::string& name, std::vector<int64_t> expected_shape) {
    const TensorView* view = checkpoint_.find(prefix_ + name);
    if (!view)
      throw std::runtime_error(checkpoint_.describe() + ": missing tensor '" + prefix_ + name +
                               "'");
    if (view->shape != expected_shape) {
      TensorView expected{name, view->dtype, expected_shape, nullptr, 0};
      throw std::runtime_error(checkpoint_.describe() + ": tensor '" + prefix_ + name +
                               "' has shape " + view->shape_string() + ", expected " +
                               expected.shape_string());
    }
    return as_float(*view);
  }

  // LayerNorm parameters: `weight`/`bias`, or `gamma`/`beta` in older BERT checkpoints.
  LayerNormWeights layer_norm(const std::string& scope, int64_t hidden) {
    const bool legacy = !checkpoint_.find(prefix_ + scope + ".weight") &&
                        checkpoint_.find(prefix_ + scope + ".gamma");
    return {tensor(scope + (legacy ? ".gamma" : ".weight"), {hidden}),
            tensor(scope + (legacy ? ".beta" : ".bias"), {hidden})};
  }

  LinearWeights linear(const std::string& scope, int out, int in) {
    return {tensor(scope + ".weight", {out, in}), tensor(scope + ".bias", {out}), out, in};
  }

 private:
  const float* as_float(const TensorView& view) {
    if (view.dtype == DType::F32) return reinterpret_cast<const float*>(view.data);
    const auto count = static_cast<size_t>(view.numel());
    auto widened = std::make_unique<float[]>(count);
    if (!widen_to_float(view.data, count, view.dtype, widened.get()))
      throw std::runtime_error(checkpoint_.describe() + ": tensor '" + view.name + "' has dtype " +
                               std::string(dtype_name(view.dtype)) + ", expected F32, F16 or BF16");
    weights_.widened_.push_back(std::move(widened));
    return weights_.widened_.back().get();
  }

  const Checkpoint& checkpoint_;
  EncoderWeights& weights_;
  std::string prefix_;
};

EncoderWeights EncoderWeights::bind(const ModelConfig& config, const Checkpoint& checkpoint) {
  EncoderWeights weights;
  TensorBinder binder(checkpoint, weights);
  const int hidden = config.hidden_size;
  const int inner = config.intermediate_size;
  weights.word_embeddings =
      binder.tensor("embeddings.word_embeddings.weight", {config.vocab_size, hidden});
  weights.position_embeddings = binder.tensor("embeddings.position_embeddings.weight",
                                              {config.max_position_embeddings, hidden});
  weights.token_type_embeddings =
      binder.tensor("embeddings.token_type_embeddings.weight", {config.type_vocab_size, hidden});
  weights.embedding_norm = binder.layer_norm("embeddings.LayerNorm", hidden);
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string layer = "encoder.layer." + std::to_string(i);
    EncoderLayerWeights w;
    w.query = binder.linear(layer + ".attention.self.query", hidden, hidden);
    w.key = binder.linear(layer + ".attention.self.key", hidden, hidden);
    w.value = binder.linear(layer + ".attention.self.value", hidden, hidden);
    w.attention_output = binder.linear(layer + ".attention.output.dense", hidden, hidden);
    w.attention_norm = binder.layer_norm(layer + ".attention.output.LayerNorm", hidden);
    w.intermediate = binder.linear(layer + ".intermediate.dense", inner, hidden);
    w.output = binder.linear(layer + ".output.dense", hidden, inner);
    w.output_norm = binder.layer_norm(layer + ".output.LayerNorm", hidden);
    weights.layers.push_back(w);
  }
  return weights;
}

}  // namespace embed
