#pragma once
// Reader for PyTorch zip checkpoints holding a state_dict of tensors, the format BAAI ships
// BGE-M3's weights (pytorch_model.bin, no model.safetensors) and its colbert_linear.pt /
// sparse_linear.pt heads in. The pickle is interpreted by a restricted unpickler
// (loaders/pickle_reader.h), never executed.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/dtype.h"
#include "loaders/safetensors.h"
#include "loaders/zip_archive.h"

namespace embed {

// A checkpoint kept mapped: its tensors are views into the archive's stored entries, in
// state_dict order. Tensors must be contiguous row-major within their storage.
class TorchCheckpointFile {
 public:
  // Throws std::runtime_error "<path>: <problem>".
  static std::shared_ptr<const TorchCheckpointFile> open(const std::filesystem::path& path);

  const std::vector<TensorView>& tensors() const { return tensors_; }
  const TensorView* find(std::string_view name) const;  // nullptr when absent

  explicit TorchCheckpointFile(const std::filesystem::path& path);

 private:
  ZipArchive archive_;
  std::vector<std::vector<std::byte>> unaligned_copies_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> index_;
};

struct OwnedTensor {
  std::string name;
  DType dtype;  // F32, F16, BF16 or I64, as stored; F16 / BF16 are not widened here
  std::vector<int64_t> shape;
  std::vector<std::byte> data;  // row-major, little-endian
};

// TorchCheckpointFile's tensors copied out, for small files (the heads). Throws as open().
std::vector<OwnedTensor> read_torch_state_dict(const std::filesystem::path& path);

}  // namespace embed
