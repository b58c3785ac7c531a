#pragma once
// Writes a safetensors file: 8-byte little-endian header length, JSON header (padded with spaces
// to an 8-byte boundary so tensor data stays aligned), then the tensors back to back.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "loaders/dtype.h"

namespace embed {

struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::span<const std::byte> data;  // exactly numel × dtype size bytes
};

void write_safetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace embed
