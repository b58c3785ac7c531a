#include "engine/encoder_weights.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace embed {

void EmbeddingTable::copy_row(size_t row, float* out) const {
  if (f32) {
    std::copy_n(f32 + row * cols, cols, out);
    return;
  }
  const int8_t* q = int8 + row * cols;
  const float scale = row_scales[row];
  for (size_t c = 0; c < cols; ++c) out[c] = static_cast<float>(q[c]) * scale;
}

std::vector<std::string> linear_weight_names(const ModelConfig& config) {
  std::vector<std::string> names;
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string layer = "encoder.layer." + std::to_string(i);
    for (const char* linear :
         {".attention.self.query", ".attention.self.key", ".attention.self.value",
          ".attention.output.dense", ".intermediate.dense", ".output.dense"})
      names.push_back(layer + linear + ".weight");
  }
  return names;
}

namespace {
constexpr const char* kPrefixes[] = {"", "bert.", "roberta.", "xlm_roberta."};

// Drops a packed weight's file pages from memory; a copy outside the mapping stays.
void release_pages(const TensorView& weight) {
  if (weight.in_file_mapping) MappedFile::release_pages(weight.data, weight.nbytes);
}
}  // namespace

std::string unprefixed_tensor_name(const std::string& name) {
  for (const std::string prefix : kPrefixes)
    if (!prefix.empty() && name.starts_with(prefix)) return name.substr(prefix.size());
  return name;
}

bool is_unused_tensor(const std::string& unprefixed_name) {
  return unprefixed_name.starts_with("pooler.") || unprefixed_name.starts_with("lm_head.") ||
         unprefixed_name.starts_with("cls.") || unprefixed_name == "embeddings.position_ids" ||
         unprefixed_name == "embeddings.token_type_ids";
}

// Resolves names, checks shapes and dtypes, widens half-precision tensors, prepares linears.
class TensorBinder {
 public:
  TensorBinder(const Checkpoint& checkpoint, EncoderWeights& weights, ComputeType compute)
      : checkpoint_(checkpoint), weights_(weights), compute_(compute) {
    for (const char* candidate : kPrefixes) {
      if (checkpoint.find(std::string(candidate) + kWordEmbeddingsName)) {
        prefix_ = candidate;
        return;
      }
    }
    throw std::runtime_error(checkpoint.describe() + ": missing tensor '" + kWordEmbeddingsName +
                             "' (also looked for it under the bert. and roberta. prefixes)");
  }

  const TensorView& view(const std::string& name, const std::vector<int64_t>& expected_shape) {
    const TensorView* found = checkpoint_.find(prefix_ + name);
    if (!found)
      throw std::runtime_error(checkpoint_.describe() + ": missing tensor '" + prefix_ + name +
                               "'");
    if (found->shape != expected_shape) {
      TensorView expected{name, found->dtype, expected_shape, nullptr, 0};
      throw std::runtime_error(checkpoint_.describe() + ": tensor '" + prefix_ + name +
                               "' has shape " + found->shape_string() + ", expected " +
                               expected.shape_string());
    }
    return *found;
  }

  const float* tensor(const std::string& name, const std::vector<int64_t>& expected_shape) {
    return as_float(view(name, expected_shape));
  }

  // LayerNorm parameters: `weight`/`bias`, or `gamma`/`beta` in older BERT checkpoints.
  LayerNormWeights layer_norm(const std::string& scope, int64_t hidden) {
    const bool legacy = !checkpoint_.find(prefix_ + scope + ".weight") &&
                        checkpoint_.find(prefix_ + scope + ".gamma");
    return {tensor(scope + (legacy ? ".gamma" : ".weight"), {hidden}),
            tensor(scope + (legacy ? ".beta" : ".bias"), {hidden})};
  }

  LinearWeights linear(const std::string& scope, int out, int in,
                       kernels::Int8Input input = kernels::Int8Input::Any) {
    const std::string name = scope + ".weight";
    const TensorView& weight = view(name, {out, in});
    const float* bias = tensor(scope + ".bias", {out});
    const auto n = static_cast<size_t>(out), k = static_cast<size_t>(in);
    LinearWeights prepared{
        weight.dtype == DType::I8
            ? kernels::PreparedLinear::int8(reinterpret_cast<const int8_t*>(weight.data),
                                            tensor(name + kScaleSuffix, {out}), n, k, input)
            : prepare_float(weight, n, k),
        bias};
    weights_.int8 = weights_.int8 || weight.dtype == DType::I8;
    release_pages(weight);  // the packed copy replaces it
    return prepared;
  }

  // The projections `scope`.query/.key/.value packed as one [3·hidden][hidden] matrix: one GEMM
  // over the input (and one activation quantization for INT8).
  LinearWeights qkv(const std::string& scope, int hidden) {
    const char* parts[] = {".query", ".key", ".value"};
    const auto h = static_cast<size_t>(hidden);
    const bool int8 = view(scope + parts[0] + ".weight", {hidden, hidden}).dtype == DType::I8;
    auto bias = std::make_unique<float[]>(3 * h);
    std::vector<int8_t> q(int8 ? 3 * h * h : 0);
    std::vector<float> scales(int8 ? 3 * h : 0), values(int8 ? 0 : 3 * h * h);
    for (size_t p = 0; p < 3; ++p) {
      const std::string name = scope + parts[p];
      std::copy_n(tensor(name + ".bias", {hidden}), h, bias.get() + p * h);
      const TensorView& weight = view(name + ".weight", {hidden, hidden});
      if (int8) {
        if (weight.dtype != DType::I8)
          throw std::runtime_error(checkpoint_.describe() + ": tensor '" + prefix_ + name +
                                   ".weight' has dtype " + std::string(dtype_name(weight.dtype)) +
                                   ", expected I8 like the other projections");
        std::copy_n(reinterpret_cast<const int8_t*>(weight.data), h * h, q.data() + p * h * h);
        std::copy_n(tensor(name + ".weight" + kScaleSuffix, {hidden}), h, scales.data() + p * h);
      } else {
        widen_into(weight, values.data() + p * h * h);
      }
      release_pages(weight);
    }
    LinearWeights fused{int8 ? kernels::PreparedLinear::int8(q.data(), scales.data(), 3 * h, h)
                             : prepare_float(values.data(), 3 * h, h),
                        bias.get()};
    weights_.owned_.push_back(std::move(bias));
    return fused;
  }

  EmbeddingTable embedding_table(const std::string& name, int rows, int cols) {
    const TensorView& table = view(name, {rows, cols});
    EmbeddingTable out;
    out.cols = static_cast<size_t>(cols);
    if (table.dtype == DType::I8) {
      out.int8 = reinterpret_cast<const int8_t*>(table.data);
      out.row_scales = tensor(name + kScaleSuffix, {rows});
    } else {
      out.f32 = as_float(table);
    }
    return out;
  }

 private:
  // Copies a float tensor of any float dtype into `out` as F32.
  void widen_into(const TensorView& view, float* out) const {
    if (!widen_to_float(view.data, static_cast<size_t>(view.numel()), view.dtype, out))
      throw std::runtime_error(checkpoint_.describe() + ": tensor '" + view.name + "' has dtype " +
                               std::string(dtype_name(view.dtype)) + ", expected F32, F16 or BF16");
  }

  // A tensor as F32: in place from the map, or widened once and kept.
  const float* as_float(const TensorView& view) {
    if (view.dtype == DType::F32) return reinterpret_cast<const float*>(view.data);
    auto widened = std::make_unique<float[]>(static_cast<size_t>(view.numel()));
    widen_into(view, widened.get());
    weights_.owned_.push_back(std::move(widened));
    return weights_.owned_.back().get();
  }

  // Float linear weights [n][k] packed for the compute type; BF16 checkpoints keep their bits.
  kernels::PreparedLinear prepare_float(const float* w, size_t n, size_t k) const {
    return compute_ == ComputeType::BF16 ? kernels::PreparedLinear::bf16(w, n, k)
                                         : kernels::PreparedLinear::f32(w, n, k);
  }
  kernels::PreparedLinear prepare_float(const TensorView& weight, size_t n, size_t k) const {
    if (compute_ == ComputeType::BF16 && weight.dtype == DType::BF16)
      return kernels::PreparedLinear::bf16_bits(reinterpret_cast<const uint16_t*>(weight.data), n,
                                                k);
    if (weight.dtype == DType::F32)
      return prepare_float(reinterpret_cast<const float*>(weight.data), n, k);
    // Widened only for packing, then dropped: the packed copy is all that is kept.
    std::vector<float> widened(n * k);
    widen_into(weight, widened.data());
    return prepare_float(widened.data(), n, k);
  }

  const Checkpoint& checkpoint_;
  EncoderWeights& weights_;
  ComputeType compute_;
  std::string prefix_;
};

EncoderWeights EncoderWeights::bind(const ModelConfig& config, const Checkpoint& checkpoint,
                                    ComputeType compute) {
  EncoderWeights weights;
  TensorBinder binder(checkpoint, weights, compute);
  const int hidden = config.hidden_size;
  const int inner = config.intermediate_size;
  // The feed-forward output's inputs are the activation's outputs: GELU's are never below -0.17.
  const kernels::Int8Input inner_values = config.hidden_act == HiddenActivation::Relu
                                              ? kernels::Int8Input::Any
                                              : kernels::Int8Input::AfterGelu;
  weights.word_embeddings = binder.embedding_table(kWordEmbeddingsName, config.vocab_size, hidden);
  weights.position_embeddings = binder.tensor("embeddings.position_embeddings.weight",
                                              {config.max_position_embeddings, hidden});
  weights.token_type_embeddings =
      binder.tensor("embeddings.token_type_embeddings.weight", {config.type_vocab_size, hidden});
  weights.embedding_norm = binder.layer_norm("embeddings.LayerNorm", hidden);
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string layer = "encoder.layer." + std::to_string(i);
    EncoderLayerWeights w{
        .qkv = binder.qkv(layer + ".attention.self", hidden),
        .attention_output = binder.linear(layer + ".attention.output.dense", hidden, hidden),
        .attention_norm = binder.layer_norm(layer + ".attention.output.LayerNorm", hidden),
        .intermediate = binder.linear(layer + ".intermediate.dense", inner, hidden),
        .output = binder.linear(layer + ".output.dense", hidden, inner, inner_values),
        .output_norm = binder.layer_norm(layer + ".output.LayerNorm", hidden),
    };
    weights.layers.push_back(std::move(w));
  }
  return weights;
}

size_t EncoderWeights::linear_bytes() const {
  size_t bytes = 0;
  for (const EncoderLayerWeights& layer : layers)
    for (const LinearWeights* linear :
         {&layer.qkv, &layer.attention_output, &layer.intermediate, &layer.output})
      bytes += linear->op.packed_bytes();
  return bytes;
}

}  // namespace embed
