#include "engine/quantize.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "engine/bge_m3_heads.h"
#include "engine/encoder_weights.h"
#include "engine/model.h"
#include "engine/space_id.h"
#include "kernels/quantize.h"
#include "loaders/checkpoint.h"
#include "loaders/safetensors_writer.h"

namespace embed {
namespace {

constexpr const char* kToolVersion = "embed.cpp 0.1.0";

// Files that describe the model rather than hold weights, copied as they are: config, tokenizer
// and sentence-transformers files (incl. the Pooling module's folder).
bool is_copied_file(const std::filesystem::path& relative) {
  static const std::set<std::string> kNames{"config.json",
                                            "tokenizer.json",
                                            "tokenizer_config.json",
                                            "special_tokens_map.json",
                                            "added_tokens.json",
                                            "sentencepiece.bpe.model",
                                            "vocab.txt",
                                            "modules.json",
                                            "sentence_bert_config.json",
                                            "config_sentence_transformers.json"};
  const std::string parent = relative.parent_path().string();
  return kNames.contains(relative.filename().string()) &&
         (parent.empty() || parent.ends_with("_Pooling"));
}

bool is_weight_file(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return name.ends_with(".safetensors") || name.ends_with(".pt") || name == "pytorch_model.bin";
}

uintmax_t weight_bytes(const std::filesystem::path& dir) {
  uintmax_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file() && is_weight_file(entry.path())) total += entry.file_size();
  return total;
}

// One tensor of the output file with the storage it needs.
struct OutputTensors {
  std::vector<TensorToWrite> tensors;
  std::vector<std::vector<std::byte>> storage;

  void add(const std::string& name, DType dtype, std::vector<int64_t> shape,
           std::vector<std::byte> bytes) {
    storage.push_back(std::move(bytes));
    tensors.push_back({name, dtype, std::move(shape), storage.back()});
  }
};

std::vector<std::byte> float_bytes(const TensorView& view) {
  std::vector<std::byte> bytes(static_cast<size_t>(view.numel()) * sizeof(float));
  if (!widen_to_float(view.data, static_cast<size_t>(view.numel()), view.dtype,
                      reinterpret_cast<float*>(bytes.data())))
    throw std::runtime_error("tensor '" + view.name + "' has dtype " +
                             std::string(dtype_name(view.dtype)) + ", expected F32, F16 or BF16");
  return bytes;
}

void add_quantized(OutputTensors& out, const TensorView& view) {
  const auto rows = static_cast<size_t>(view.shape[0]), cols = static_cast<size_t>(view.shape[1]);
  const std::vector<std::byte> values = float_bytes(view);
  std::vector<std::byte> q(rows * cols), scales(rows * sizeof(float));
  kernels::quantize_rows_symmetric(reinterpret_cast<const float*>(values.data()), rows, cols,
                                   reinterpret_cast<int8_t*>(q.data()),
                                   reinterpret_cast<float*>(scales.data()));
  out.add(view.name, DType::I8, view.shape, std::move(q));
  out.add(view.name + kScaleSuffix, DType::F32, {view.shape[0]}, std::move(scales));
}

// Writes the INT8 copy of `model` (loaded from source_dir) into the folder `out`.
void write_quantized(const Model& model, const std::filesystem::path& source_dir,
                     const std::filesystem::path& out) {
  // Names relative to the checkpoint's prefix, as the binder resolves them.
  const std::vector<std::string> linear_names = linear_weight_names(model.config());
  const std::set<std::string> quantized(linear_names.begin(), linear_names.end());
  const Checkpoint checkpoint = Checkpoint::open(source_dir);
  OutputTensors tensors;
  for (const TensorView* view : checkpoint.tensors()) {
    const std::string name = unprefixed_tensor_name(view->name);
    if (is_unused_tensor(name)) continue;
    TensorView renamed = *view;
    renamed.name = name;
    if (quantized.contains(name) || name == kWordEmbeddingsName)
      add_quantized(tensors, renamed);
    else
      tensors.add(name, DType::F32, view->shape, float_bytes(renamed));
  }
  write_safetensors(out / "model.safetensors", tensors.tensors,
                    {{"format", "pt"},
                     {"embed.quantization", kQuantizationScheme},
                     {"embed.tool_version", kToolVersion},
                     {kSourceSpaceIdKey, model.space_id()}});

  // BGE-M3 heads stay F32, written as safetensors whatever the source format was.
  const BgeM3Heads heads = BgeM3Heads::load(source_dir, model.info().hidden_size);
  for (const auto& [name, head] : heads.dense_heads()) {
    const TensorToWrite head_tensors[] = {
        {"weight",
         DType::F32,
         {head->out_features, head->in_features},
         std::as_bytes(std::span(head->weight))},
        {"bias", DType::F32, {head->out_features}, std::as_bytes(std::span(head->bias))}};
    write_safetensors(out / (name + ".safetensors"), head_tensors);
  }

  for (const auto& entry : std::filesystem::recursive_directory_iterator(source_dir)) {
    const auto relative = std::filesystem::relative(entry.path(), source_dir);
    if (!entry.is_regular_file() || !is_copied_file(relative)) continue;
    const auto target = out / relative;
    std::filesystem::create_directories(target.parent_path());
    std::filesystem::copy_file(entry.path(), target);
  }
}

}  // namespace

QuantizeReport quantize_model(const std::string& source, const std::filesystem::path& destination) {
  const Model model = Model::load(source);
  const ModelInfo& info = model.info();
  if (info.quantized) throw std::runtime_error(info.path.string() + ": already quantized");
  const std::filesystem::path source_dir = info.path;
  // "out/" names the folder "out".
  const std::filesystem::path target =
      destination.has_filename() ? destination : destination.parent_path();
  if (std::filesystem::exists(target) && std::filesystem::equivalent(target, source_dir))
    throw std::runtime_error(target.string() + ": the output folder must differ from the source");
  // A folder that already holds files could mix them with ours: a stale tokenizer.json there
  // would be loaded instead of the vocab.txt we copy.
  if (std::filesystem::exists(target) &&
      !(std::filesystem::is_directory(target) && std::filesystem::is_empty(target)))
    throw std::runtime_error(target.string() +
                             ": already exists and is not an empty folder; remove it or choose "
                             "a new output folder");

  // Written beside the target and renamed into place when complete, so that a failure leaves no
  // half-written model folder behind.
  const std::filesystem::path staging =
      target.parent_path() /
      (target.filename().string() + ".partial-" + std::to_string(::getpid()));
  std::filesystem::remove_all(staging);
  std::filesystem::create_directories(staging);
  try {
    write_quantized(model, source_dir, staging);
    if (std::filesystem::exists(target)) std::filesystem::remove(target);  // the empty folder
    std::filesystem::rename(staging, target);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
    throw;
  }
  return {model.space_id(), weight_bytes(source_dir), weight_bytes(target)};
}

}  // namespace embed
