#include "engine/bge_m3_heads.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "kernels/gemm.h"
#include "kernels/vector_ops.h"
#include "loaders/checkpoint.h"
#include "loaders/dtype.h"
#include "loaders/torch_checkpoint.h"

namespace embed {
namespace {

struct RawTensor {
  DType dtype;
  std::vector<int64_t> shape;
  const std::byte* data;
};

// Reads `weight` [out][hidden] and `bias` [out] from the head's safetensors or .pt file.
std::optional<DenseHead> load_head(const std::filesystem::path& dir, const std::string& name,
                                   int hidden, int expected_out) {
  const auto safetensors_path = dir / (name + ".safetensors");
  const auto pt_path = dir / (name + ".pt");
  std::map<std::string, RawTensor> tensors;
  std::optional<Checkpoint> checkpoint;
  std::vector<OwnedTensor> owned;
  std::filesystem::path source;
  if (std::filesystem::exists(safetensors_path)) {
    source = safetensors_path;
    checkpoint = Checkpoint::open_file(safetensors_path);
    for (const TensorView* view : checkpoint->tensors())
      tensors[view->name] = {view->dtype, view->shape, view->data};
  } else if (std::filesystem::exists(pt_path)) {
    source = pt_path;
    owned = read_torch_state_dict(pt_path);
    for (const auto& tensor : owned)
      tensors[tensor.name] = {tensor.dtype, tensor.shape, tensor.data.data()};
  } else {
    return std::nullopt;
  }

  DenseHead head;
  const auto take = [&](const char* key, std::vector<int64_t> expected) {
    const auto it = tensors.find(key);
    if (it == tensors.end())
      throw std::runtime_error(source.string() + ": missing tensor '" + key + "'");
    if (expected[0] < 0) expected[0] = it->second.shape.empty() ? 0 : it->second.shape[0];
    if (it->second.shape != expected) {
      TensorView want{key, it->second.dtype, expected, nullptr, 0};
      TensorView got{key, it->second.dtype, it->second.shape, nullptr, 0};
      throw std::runtime_error(source.string() + ": tensor '" + key + "' has shape " +
                               got.shape_string() + ", expected " + want.shape_string());
    }
    size_t count = 1;
    for (auto d : expected) count *= static_cast<size_t>(d);
    std::vector<float> values(count);
    if (!widen_to_float(it->second.data, count, it->second.dtype, values.data()))
      throw std::runtime_error(source.string() + ": tensor '" + key + "' has dtype " +
                               std::string(dtype_name(it->second.dtype)) +
                               ", expected F32, F16 or BF16");
    return values;
  };
  head.weight = take("weight", {expected_out, hidden});
  head.out_features = static_cast<int>(head.weight.size() / hidden);
  head.in_features = hidden;
  head.bias = take("bias", {head.out_features});
  return head;
}

}  // namespace

BgeM3Heads BgeM3Heads::load(const std::filesystem::path& model_dir, int hidden_size) {
  BgeM3Heads heads;
  heads.sparse_ = load_head(model_dir, "sparse_linear", hidden_size, 1);
  // colbert_dim may differ from hidden (FlagEmbedding's colbert_dim option): any output size.
  heads.colbert_ = load_head(model_dir, "colbert_linear", hidden_size, -1);
  return heads;
}

std::vector<std::pair<std::string, const DenseHead*>> BgeM3Heads::dense_heads() const {
  std::vector<std::pair<std::string, const DenseHead*>> out;
  if (sparse_) out.emplace_back("sparse_linear", &*sparse_);
  if (colbert_) out.emplace_back("colbert_linear", &*colbert_);
  return out;
}

void BgeM3Heads::sparse_token_weights(const float* states, size_t tokens, float* out) const {
  kernels::linear(states, tokens, sparse_->in_features, sparse_->weight.data(), 1, out,
                  {.bias = sparse_->bias.data(), .activation = kernels::Activation::Relu});
}

std::vector<SparseWeight> BgeM3Heads::lexical_weights(std::span<const int32_t> ids,
                                                      std::span<const float> token_weights,
                                                      std::span<const int32_t> excluded) {
  std::map<int32_t, float> best;
  for (size_t t = 0; t < ids.size(); ++t) {
    if (token_weights[t] <= 0) continue;
    if (std::find(excluded.begin(), excluded.end(), ids[t]) != excluded.end()) continue;
    auto [it, inserted] = best.try_emplace(ids[t], token_weights[t]);
    if (!inserted) it->second = std::max(it->second, token_weights[t]);
  }
  std::vector<SparseWeight> out;
  out.reserve(best.size());
  for (const auto& [id, weight] : best) out.push_back({id, weight});
  return out;
}

Matrix BgeM3Heads::colbert_vectors(const float* sequence_states, size_t length) const {
  Matrix out;
  out.rows = length - 1;
  out.cols = colbert_->out_features;
  out.values.resize(out.rows * out.cols);
  kernels::linear(sequence_states + colbert_->in_features, out.rows, colbert_->in_features,
                  colbert_->weight.data(), out.cols, out.values.data(),
                  {.bias = colbert_->bias.data()});
  kernels::l2_normalize_rows(out.values.data(), out.rows, out.cols);
  return out;
}

}  // namespace embed
