#pragma once
// The weights of one model folder: `model.safetensors`, the shards listed by
// `model.safetensors.index.json`, or else a PyTorch `pytorch_model.bin` (BAAI/bge-m3 ships only
// that). Tensors stay memory-mapped.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/safetensors.h"
#include "loaders/torch_checkpoint.h"

namespace embed {

class Checkpoint {
 public:
  static Checkpoint open(const std::filesystem::path& model_dir);
  // A single safetensors file (e.g. a BGE-M3 head).
  static Checkpoint open_file(const std::filesystem::path& file);

  const TensorView* find(std::string_view name) const;  // nullptr when absent
  std::vector<const TensorView*> tensors() const;
  // The safetensors files (none for pytorch_model.bin), for their metadata.
  const std::vector<std::shared_ptr<const SafetensorsFile>>& files() const { return files_; }
  std::string describe() const;  // the file (or index) name, for error messages

 private:
  std::filesystem::path source_;
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::shared_ptr<const TorchCheckpointFile> torch_file_;
};

}  // namespace embed
