#include "loaders/zip_archive.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace embed {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectorySignature = 0x06054b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndOfCentralDirectorySize = 22;
constexpr size_t kMaxCommentSize = 0xffff;

uint32_t read_u16(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8;
}

uint32_t read_u32(const std::byte* p) {
  return read_u16(p) | read_u16(p + 2) << 16;
}

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

}  // namespace

uint32_t crc32(std::span<const std::byte> bytes) {
  uint32_t c = 0xffffffffu;
  for (std::byte b : bytes) c = kCrcTable[(c ^ static_cast<uint32_t>(b)) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

ZipArchive::ZipArchive(const std::filesystem::path& path) : path_(path), file_(path) {
  const auto fail = [&](const std::string& problem) {
    throw std::runtime_error(path_.string() + ": " + problem);
  };
  const std::byte* base = file_.data();
  const size_t size = file_.size();

  // The end record sits at the very end, after an optional comment: scan back for a signature
  // whose comment length reaches exactly the end of the file.
  size_t eocd = SIZE_MAX;
  if (size >= kEndOfCentralDirectorySize) {
    const size_t lowest = size - kEndOfCentralDirectorySize -
                          std::min(size - kEndOfCentralDirectorySize, kMaxCommentSize);
    for (size_t pos = size - kEndOfCentralDirectorySize + 1; pos-- > lowest;) {
      if (read_u32(base + pos) == kEndOfCentralDirectorySignature &&
          pos + kEndOfCentralDirectorySize + read_u16(base + pos + 20) == size) {
        eocd = pos;
        break;
      }
    }
  }
  if (eocd == SIZE_MAX)
    fail(
        "not a zip archive (no end-of-central-directory record); expected a PyTorch checkpoint "
        "written by torch.save (torch >= 1.6)");

  const std::byte* end_record = base + eocd;
  if (read_u16(end_record + 4) != 0 || read_u16(end_record + 6) != 0)
    fail("multi-disk zip archives are not supported");
  const uint32_t count = read_u16(end_record + 10);
  const uint64_t directory_size = read_u32(end_record + 12);
  const uint64_t directory_offset = read_u32(end_record + 16);
  if (count == 0xffff || directory_size == 0xffffffff || directory_offset == 0xffffffff)
    fail("zip64 archives (over 4 GiB or 65535 entries) are not supported");
  if (directory_offset + directory_size > eocd)
    fail("central directory (offset " + std::to_string(directory_offset) + ", size " +
         std::to_string(directory_size) + ") lies outside the file before its end record at " +
         std::to_string(eocd));

  size_t pos = directory_offset;
  const size_t directory_end = directory_offset + directory_size;
  entries_.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (pos + kCentralHeaderSize > directory_end || read_u32(base + pos) != kCentralHeaderSignature)
      fail("central directory entry " + std::to_string(i) + " at offset " + std::to_string(pos) +
           " is truncated or has a bad signature");
    const std::byte* header = base + pos;
    const uint32_t flags = read_u16(header + 8);
    const uint32_t method = read_u16(header + 10);
    const uint32_t expected_crc = read_u32(header + 16);
    const uint64_t compressed_size = read_u32(header + 20);
    const uint64_t uncompressed_size = read_u32(header + 24);
    const size_t name_size = read_u16(header + 28);
    const size_t variable_size = name_size + read_u16(header + 30) + read_u16(header + 32);
    const uint64_t local_offset = read_u32(header + 42);
    if (pos + kCentralHeaderSize + variable_size > directory_end)
      fail("central directory entry " + std::to_string(i) + " runs past the directory end");
    std::string name(reinterpret_cast<const char*>(header + kCentralHeaderSize), name_size);
    pos += kCentralHeaderSize + variable_size;

    const std::string entry = "zip entry '" + name + "'";
    if (flags & 1) fail(entry + " is encrypted");
    if (method != 0)
      fail(entry + " is compressed (method " + std::to_string(method) +
           "); only stored (uncompressed) entries are supported");
    if (compressed_size != uncompressed_size)
      fail(entry + " is stored but its compressed and uncompressed sizes differ");
    if (compressed_size == 0xffffffff || local_offset == 0xffffffff)
      fail(entry + " uses zip64 sizes, which are not supported");
    if (local_offset + kLocalHeaderSize > directory_offset ||
        read_u32(base + local_offset) != kLocalHeaderSignature)
      fail(entry + ": local header at offset " + std::to_string(local_offset) +
           " is out of range or has a bad signature");
    // The local extra field differs from the central one (PyTorch pads it to align the data).
    const uint64_t data_offset = local_offset + kLocalHeaderSize +
                                 read_u16(base + local_offset + 26) +
                                 read_u16(base + local_offset + 28);
    if (data_offset + compressed_size > directory_offset)
      fail(entry + ": data (offset " + std::to_string(data_offset) + ", size " +
           std::to_string(compressed_size) + ") runs past the end of the entries");
    if (!index_.emplace(name, entries_.size()).second) fail("duplicate " + entry);
    entries_.push_back(
        {std::move(name), static_cast<size_t>(data_offset), static_cast<size_t>(compressed_size)});
    if (compressed_size <= kMaxCheckedEntryBytes && crc32(data(entries_.back())) != expected_crc)
      fail(entry + " fails its CRC-32 check");
  }
}

const ZipArchive::Entry* ZipArchive::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

}  // namespace embed
