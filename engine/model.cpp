#include "engine/model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "engine/bge_m3_heads.h"
#include "engine/encoder.h"
#include "engine/input_error.h"
#include "engine/model_path.h"
#include "engine/pooling.h"
#include "engine/space_id.h"
#include "kernels/vector_ops.h"
#include "loaders/checkpoint.h"

namespace embed {
namespace {

bool has_tokenizer_files(const std::filesystem::path& dir) {
  for (const char* name : {"tokenizer.json", "sentencepiece.bpe.model", "vocab.txt"})
    if (std::filesystem::exists(dir / name)) return true;
  return false;
}

std::string lower_dtype_name(DType dtype) {
  if (dtype == DType::I8) return "int8";
  std::string name(dtype_name(dtype));
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return name;
}

// Output guard: a NaN/Inf is a bug or a broken checkpoint, never something to hand out.
void require_finite(const std::vector<float>& values, size_t input, const char* output) {
  for (float v : values)
    if (!std::isfinite(v))
      throw InputError(
          input, std::string("the ") + output + " output contains NaN or Inf (broken weights?)");
}

}  // namespace

struct Model::Impl {
  ModelConfig config;
  Checkpoint checkpoint;
  EncoderWeights weights;
  Encoder encoder{config, weights};
  BgeM3Heads heads;
  std::optional<Tokenizer> tokenizer;
  ModelInfo info;
  std::vector<int32_t> lexical_excluded;  // ids whose sparse weight FlagEmbedding drops
  // Tokens per forward pass at most, below the caller's budget. Weights that stay in the L3 from
  // pass to pass (MiniLM in INT8: 11 MB) cost nothing to stream again, so such models run short
  // passes whose activations stay in cache too (MiniLM INT8 32x128: 1.17x with 512-token passes,
  // alternating in one process). Larger models stream their weights from memory once per pass;
  // for them longer passes were as fast (BGE-M3 INT8) or faster (BGE-M3 FP32: 3%).
  size_t max_pass_tokens = std::numeric_limits<size_t>::max();
  std::once_flag space_id_once;
  std::string space_id;
  // Activation buffers of finished calls, reused by the next ones: a fresh workspace would
  // page-fault and zero-fill tens of megabytes per call. Holds one per concurrent caller.
  mutable std::mutex workspace_mutex;
  mutable std::vector<std::unique_ptr<EncoderWorkspace>> idle_workspaces;

  std::unique_ptr<EncoderWorkspace> take_workspace() const {
    std::lock_guard lock(workspace_mutex);
    if (idle_workspaces.empty()) return std::make_unique<EncoderWorkspace>();
    auto workspace = std::move(idle_workspaces.back());
    idle_workspaces.pop_back();
    return workspace;
  }

  void return_workspace(std::unique_ptr<EncoderWorkspace> workspace) const {
    std::lock_guard lock(workspace_mutex);
    idle_workspaces.push_back(std::move(workspace));
  }

  Impl(const std::filesystem::path& dir, ModelConfig c, ComputeType compute)
      : config(std::move(c)),
        checkpoint(Checkpoint::open(dir)),
        weights(EncoderWeights::bind(config, checkpoint, compute)),
        heads(BgeM3Heads::load(dir, config.hidden_size)) {
    if (has_tokenizer_files(dir)) tokenizer = Tokenizer::load(dir);
    const auto st = load_sentence_transformers_config(dir);
    // Without sentence-transformers files: CLS + L2, what BGE models (incl. BGE-M3) use.
    info.pooling = st ? st->pooling : PoolingMode::Cls;
    info.normalize = st ? st->normalize : true;
    info.max_length = config.max_tokens();
    if (st && st->max_seq_length > 0)
      info.max_length = std::min(info.max_length, st->max_seq_length);

    info.path = dir;
    info.architecture = config.architecture == Architecture::Bert ? "bert" : "xlm-roberta";
    info.hidden_size = config.hidden_size;
    info.num_layers = config.num_hidden_layers;
    info.num_heads = config.num_attention_heads;
    info.vocab_size = config.vocab_size;
    info.output_dim = config.hidden_size;
    info.has_sparse = heads.has_sparse();
    info.has_colbert = heads.has_colbert();
    const TensorView* words = nullptr;
    for (const TensorView* tensor : checkpoint.tensors()) {
      const std::string name = unprefixed_tensor_name(tensor->name);
      if (is_unused_tensor(name) || name.ends_with(kScaleSuffix)) continue;
      info.parameter_count += static_cast<uint64_t>(tensor->numel());
      if (tensor->name.ends_with("embeddings.word_embeddings.weight")) words = tensor;
    }
    for (const auto& [name, head] : heads.dense_heads())
      info.parameter_count += head->weight.size() + head->bias.size();
    info.weight_dtype = lower_dtype_name(words->dtype);
    info.compute_dtype = weights.int8 ? "int8" : compute == ComputeType::BF16 ? "bf16" : "f32";
    info.quantized = weights.int8;
    constexpr size_t kCacheResidentWeightBytes = size_t{32} << 20;
    if (weights.linear_bytes() <= kCacheResidentWeightBytes) max_pass_tokens = 512;

    if (tokenizer) {
      const SpecialTokenIds special = tokenizer->special_ids();
      for (int32_t id : {special.cls_or_bos, special.sep_or_eos, special.pad, special.unk})
        if (id >= 0) lexical_excluded.push_back(id);
    } else {
      lexical_excluded.push_back(config.pad_token_id);
    }
  }

  std::vector<Embedding> run(std::span<const std::vector<int32_t>> inputs,
                             const EncodeOptions& options) const;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::string& name_or_path, const LoadOptions& options) {
  const std::filesystem::path dir = resolve_model_path(name_or_path);
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error(dir.string() + ": not a model folder");
  const auto config_path = dir / "config.json";
  if (!std::filesystem::exists(config_path))
    throw std::runtime_error(dir.string() + ": missing config.json");
  return Model(std::make_unique<Impl>(dir, ModelConfig::load(config_path), options.compute));
}

const ModelInfo& Model::info() const {
  return impl_->info;
}

const std::string& Model::space_id() const {
  std::call_once(impl_->space_id_once, [this] {
    // A quantized folder carries its source's id: its vectors live in the source's space.
    for (const auto& file : impl_->checkpoint.files())
      if (const auto it = file->metadata().find(kSourceSpaceIdKey); it != file->metadata().end())
        impl_->space_id = it->second;
    if (impl_->space_id.empty())
      impl_->space_id = compute_space_id(impl_->config, impl_->checkpoint, impl_->heads,
                                         impl_->info.pooling, impl_->info.normalize);
  });
  return impl_->space_id;
}

const ModelConfig& Model::config() const {
  return impl_->config;
}

const Tokenizer& Model::tokenizer() const {
  if (!impl_->tokenizer)
    throw std::runtime_error(impl_->info.path.string() +
                             ": no tokenizer files (tokenizer.json, sentencepiece.bpe.model or "
                             "vocab.txt); give token ids instead of text");
  return *impl_->tokenizer;
}

Encoding Model::tokenize(std::string_view text, size_t max_length) const {
  const auto model_limit = static_cast<size_t>(impl_->info.max_length);
  return tokenizer().encode(text, max_length > 0 ? std::min(max_length, model_limit) : model_limit);
}

std::vector<Embedding> Model::encode(std::span<const std::string> texts,
                                     const EncodeOptions& options) const {
  std::vector<std::vector<int32_t>> ids(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      ids[i] = tokenize(texts[i], options.max_length).ids;
    } catch (const std::exception& e) {
      throw InputError(i, e.what());
    }
  }
  return impl_->run(ids, options);
}

std::vector<Embedding> Model::encode_ids(std::span<const std::vector<int32_t>> inputs,
                                         const EncodeOptions& options) const {
  return impl_->run(inputs, options);
}

std::vector<Embedding> Model::Impl::run(std::span<const std::vector<int32_t>> inputs,
                                        const EncodeOptions& options) const {
  if (options.sparse && !heads.has_sparse())
    throw std::runtime_error(info.path.string() +
                             ": sparse output needs the BGE-M3 head sparse_linear.safetensors "
                             "or sparse_linear.pt");
  if (options.colbert && !heads.has_colbert())
    throw std::runtime_error(info.path.string() +
                             ": colbert output needs the BGE-M3 head colbert_linear.safetensors "
                             "or colbert_linear.pt");
  // Every input is checked before any compute, so a bad one fails the call at once.
  for (size_t i = 0; i < inputs.size(); ++i) encoder.check_input(inputs[i], i);

  const size_t hidden = config.hidden_size;
  std::vector<Embedding> results(inputs.size());
  // Longest first, then greedy batches within the token budget: similar lengths share a pass.
  const size_t budget = std::min(options.batch_tokens, max_pass_tokens);
  std::vector<size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return inputs[a].size() > inputs[b].size(); });

  // A dense vector alone pooled from one token needs only that token's last state.
  FinalStates wanted = FinalStates::All;
  if (options.dense && !options.sparse && !options.colbert && !options.tokens) {
    if (info.pooling == PoolingMode::Cls) wanted = FinalStates::First;
    if (info.pooling == PoolingMode::LastToken) wanted = FinalStates::Last;
  }

  std::unique_ptr<EncoderWorkspace> owned = take_workspace();
  EncoderWorkspace& workspace = *owned;
  std::vector<float> sparse_weights;
  for (size_t begin = 0; begin < order.size();) {
    PackedBatch batch;
    std::vector<size_t> members;
    for (size_t i = begin; i < order.size(); ++i) {
      const auto& ids = inputs[order[i]];
      if (!members.empty() && batch.num_tokens() + ids.size() > budget) break;
      batch.add(ids);
      members.push_back(order[i]);
    }
    encoder.forward(batch, workspace, wanted);
    if (options.sparse) {
      sparse_weights.resize(batch.num_tokens());
      heads.sparse_token_weights(workspace.hidden.data(), batch.num_tokens(),
                                 sparse_weights.data());
    }

    for (size_t s = 0; s < members.size(); ++s) {
      const size_t input = members[s];
      const size_t length = batch.length(s);
      const float* states = workspace.hidden.data() + batch.offsets[s] * hidden;
      Embedding& out = results[input];
      out.ids = inputs[input];
      if (options.tokens) {
        out.tokens = {length, hidden, std::vector<float>(states, states + length * hidden)};
        require_finite(out.tokens.values, input, "tokens");
      }
      if (options.dense) {
        out.dense = pool_tokens(states, length, hidden, info.pooling);
        require_finite(out.dense, input, "dense");
        if (std::all_of(out.dense.begin(), out.dense.end(), [](float v) { return v == 0; }))
          throw InputError(input, "the dense vector is all zeros");
        if (info.normalize && options.normalize)
          kernels::l2_normalize_rows(out.dense.data(), 1, out.dense.size());
      }
      if (options.sparse) {
        const std::span<const float> weights(sparse_weights.data() + batch.offsets[s], length);
        out.sparse = BgeM3Heads::lexical_weights(out.ids, weights, lexical_excluded);
        for (const auto& w : out.sparse)
          if (!std::isfinite(w.weight))
            throw InputError(input, "the sparse output contains NaN or Inf");
      }
      if (options.colbert) {
        out.colbert = heads.colbert_vectors(states, length);
        require_finite(out.colbert.values, input, "colbert");
      }
    }
    begin += members.size();
  }
  return_workspace(std::move(owned));
  return results;
}

}  // namespace embed
