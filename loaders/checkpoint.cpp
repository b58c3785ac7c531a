#include "loaders/checkpoint.h"

#include "loaders/json_file.h"

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace embed {

Checkpoint Checkpoint::open_file(const std::filesystem::path& file) {
  Checkpoint checkpoint;
  checkpoint.source_ = file;
  checkpoint.files_.push_back(SafetensorsFile::open(file));
  return checkpoint;
}

Checkpoint Checkpoint::open(const std::filesystem::path& model_dir) {
  const auto single = model_dir / "model.safetensors";
  if (std::filesystem::exists(single)) return open_file(single);

  const auto index_path = model_dir / "model.safetensors.index.json";
  if (!std::filesystem::exists(index_path)) {
    const auto torch_path = model_dir / "pytorch_model.bin";
    if (!std::filesystem::exists(torch_path))
      throw std::runtime_error(
          model_dir.string() +
          ": no model.safetensors, model.safetensors.index.json or pytorch_model.bin");
    Checkpoint checkpoint;
    checkpoint.source_ = torch_path;
    checkpoint.torch_file_ = TorchCheckpointFile::open(torch_path);
    return checkpoint;
  }
  const auto index = read_json_file(index_path);
  if (!index.is_object()) throw std::runtime_error(index_path.string() + ": not a JSON object");
  const auto weight_map = index.find("weight_map");
  if (weight_map == index.end() || !weight_map->is_object())
    throw std::runtime_error(index_path.string() + ": missing object field 'weight_map'");

  Checkpoint checkpoint;
  checkpoint.source_ = index_path;
  std::map<std::string, size_t> shard_of_file;
  for (const auto& [tensor, shard] : weight_map->items()) {
    if (!shard.is_string())
      throw std::runtime_error(index_path.string() + ": weight_map['" + tensor +
                               "'] is not a file name");
    const auto name = shard.get<std::string>();
    if (name.find('/') != std::string::npos || name == "..")
      throw std::runtime_error(index_path.string() + ": shard name '" + name +
                               "' must be a file in the model folder");
    if (!shard_of_file.contains(name)) {
      shard_of_file[name] = checkpoint.files_.size();
      checkpoint.files_.push_back(SafetensorsFile::open(model_dir / name));
    }
    if (!checkpoint.files_[shard_of_file[name]]->find(tensor))
      throw std::runtime_error(index_path.string() + ": tensor '" + tensor + "' is not in shard " +
                               name);
  }
  return checkpoint;
}

const TensorView* Checkpoint::find(std::string_view name) const {
  for (const auto& file : files_)
    if (const TensorView* view = file->find(name)) return view;
  return torch_file_ ? torch_file_->find(name) : nullptr;
}

std::vector<const TensorView*> Checkpoint::tensors() const {
  std::vector<const TensorView*> out;
  for (const auto& file : files_)
    for (const auto& view : file->tensors()) out.push_back(&view);
  if (torch_file_)
    for (const auto& view : torch_file_->tensors()) out.push_back(&view);
  return out;
}

std::string Checkpoint::describe() const {
  return source_.string();
}

}  // namespace embed
