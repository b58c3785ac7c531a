#pragma once
// A restricted unpickler for the data.pkl of a PyTorch state_dict checkpoint. It interprets only
// the opcodes such a pickle needs and resolves only the globals torch.save writes for tensors
// (OrderedDict, torch._utils._rebuild_tensor_v2, Float/Half/BFloat16/LongStorage); anything else is
// rejected by name. Nothing is ever imported or executed.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "loaders/dtype.h"

namespace embed {

// One tensor of the state dict as the pickle describes it; its bytes live in the archive entry
// data/<storage_key>.
struct PickledTensor {
  std::string name;  // state_dict key
  DType dtype;
  std::string storage_key;
  int64_t storage_numel;   // elements in the whole storage
  int64_t storage_offset;  // in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;  // in elements
};

// Throws std::runtime_error "<source>: <problem>" (source names the file, e.g. "x.pt: data.pkl").
std::vector<PickledTensor> read_state_dict_pickle(std::span<const std::byte> pickle,
                                                  const std::string& source);

}  // namespace embed
