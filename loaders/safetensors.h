#pragma once
// Memory-mapped, zero-copy reader for the safetensors format. Every header field is validated
// before any tensor is handed out: header length within the file, a JSON object, known dtypes,
// shape × dtype size == byte span, spans inside the data area and not overlapping.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/dtype.h"
#include "loaders/mapped_file.h"

namespace embed {

struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const std::byte* data;  // points into the mapping; valid while the file object lives
  size_t nbytes;
  // False where the reader had to copy the bytes out of the mapping (an unaligned PyTorch
  // storage): MappedFile::release_pages would zero such memory instead of dropping file pages.
  bool in_file_mapping = true;

  int64_t numel() const;
  std::string shape_string() const;  // "[64, 128]"
};

class SafetensorsFile {
 public:
  // Throws std::runtime_error naming the file and the problem.
  static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const TensorView* find(std::string_view name) const;  // nullptr when absent
  const std::vector<TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::filesystem::path path_;
  MappedFile mapping_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace embed
