#pragma once
// Read-only, memory-mapped view of an uncompressed zip archive, as torch.save writes them. Only
// STORED entries are accepted (PyTorch never compresses) so every entry is a zero-copy span of
// the mapping; every offset and length is checked against the file size when the archive opens,
// and every entry's CRC-32 up to kMaxCheckedEntryBytes. Larger entries (a model's weight
// matrices) go unchecked, as safetensors files have no checksum at all: checking BGE-M3's 2.27 GB
// pytorch_model.bin took 7.5 s and touched every page (peak RSS 2.3 GB against 1.26 GB).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loaders/mapped_file.h"

namespace embed {

inline constexpr size_t kMaxCheckedEntryBytes = size_t{1} << 20;

// CRC-32 (IEEE 802.3, the zip checksum).
uint32_t crc32(std::span<const std::byte> bytes);

class ZipArchive {
 public:
  struct Entry {
    std::string name;
    size_t offset;  // of the entry's data in the file
    size_t size;
  };

  // Maps the file and validates the central directory and every entry's CRC; throws
  // std::runtime_error "<path>: <problem>".
  explicit ZipArchive(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(std::string_view name) const;  // nullptr when absent
  std::span<const std::byte> data(const Entry& entry) const {
    return {file_.data() + entry.offset, entry.size};
  }

 private:
  std::filesystem::path path_;
  MappedFile file_;
  std::vector<Entry> entries_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace embed
