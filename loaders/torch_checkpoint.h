#pragma once
// Reader for PyTorch zip checkpoints holding a state_dict of tensors, the format BAAI ships
// BGE-M3's colbert_linear.pt / sparse_linear.pt in. The pickle is interpreted by a restricted
// unpickler (loaders/pickle_reader.h), never executed. The head files are small, so tensors are
// copied out rather than kept mapped.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "loaders/dtype.h"

namespace embed {

struct OwnedTensor {
  std::string name;
  DType dtype;  // F32, F16 or BF16, as stored; F16 / BF16 are not widened here
  std::vector<int64_t> shape;
  std::vector<std::byte> data;  // row-major, little-endian
};

// Tensors in state_dict order. Throws std::runtime_error "<path>: <problem>".
std::vector<OwnedTensor> read_torch_state_dict(const std::filesystem::path& path);

}  // namespace embed
