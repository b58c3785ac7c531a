#include "engine/model.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "engine/encoder.h"
#include "loaders/checkpoint.h"

namespace embed {

struct Model::Impl {
  ModelConfig config;
  Checkpoint checkpoint;
  EncoderWeights weights;
  Encoder encoder{config, weights};

  Impl(ModelConfig c, Checkpoint ckpt)
      : config(std::move(c)),
        checkpoint(std::move(ckpt)),
        weights(EncoderWeights::bind(config, checkpoint)) {}
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::filesystem::path& dir, const LoadOptions&) {
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error(dir.string() + ": not a model folder");
  const auto config_path = dir / "config.json";
  if (!std::filesystem::exists(config_path))
    throw std::runtime_error(dir.string() + ": missing config.json");
  return Model(std::make_unique<Impl>(ModelConfig::load(config_path), Checkpoint::open(dir)));
}

const ModelConfig& Model::config() const {
  return impl_->config;
}

std::vector<Embedding> Model::encode_ids(std::span<const std::vector<int32_t>> inputs,
                                         const EncodeOptions& options) const {
  const size_t hidden = impl_->config.hidden_size;
  std::vector<Embedding> results(inputs.size());

  // Longest first, then greedy batches within the token budget: similar lengths share a pass.
  std::vector<size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return inputs[a].size() > inputs[b].size(); });

  // Every input is checked before any compute, so a bad one fails the call at once.
  for (size_t i = 0; i < inputs.size(); ++i) impl_->encoder.check_input(inputs[i], {}, i);

  EncoderWorkspace workspace;
  for (size_t begin = 0; begin < order.size();) {
    PackedBatch batch;
    std::vector<size_t> members;
    for (size_t i = begin; i < order.size(); ++i) {
      const auto& ids = inputs[order[i]];
      if (!members.empty() && batch.num_tokens() + ids.size() > options.batch_tokens) break;
      batch.add(ids);
      members.push_back(order[i]);
    }
    impl_->encoder.forward(batch, workspace);
    for (size_t s = 0; s < members.size(); ++s) {
      Embedding& out = results[members[s]];
      const float* first = workspace.hidden.data() + batch.offsets[s] * hidden;
      if (options.tokens) {
        out.tokens.rows = batch.length(s);
        out.tokens.cols = hidden;
        out.tokens.values.assign(first, first + batch.length(s) * hidden);
      }
    }
    begin += members.size();
  }
  return results;
}

}  // namespace embed
