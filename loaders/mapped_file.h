#pragma once
#include <cstddef>
#include <filesystem>

namespace embed {

// A read-only memory mapping of a whole file. Move-only; unmaps on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const std::filesystem::path& path);  // throws naming the path
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::byte* data() const { return data_; }

  // Tells the kernel that the whole pages inside [data, data + size) of a mapping will not be
  // read again, so they leave the process's resident set (they would be re-read from the file
  // if touched). For tensors copied into a packed layout at load.
  static void release_pages(const std::byte* data, size_t size);
  size_t size() const { return size_; }

 private:
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace embed
