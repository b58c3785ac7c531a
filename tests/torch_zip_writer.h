#pragma once
// Writes PyTorch zip checkpoints as torch.save does (protocol-2 pickle of an OrderedDict of
// tensors, stored entries), for tests of the readers: small hand-made files and whole models.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "loaders/zip_archive.h"

namespace embed::test {

inline std::string le(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(value >> (8 * i));
  return out;
}

struct ZipEntry {
  std::string name;
  std::string data;
  uint16_t method = 0;  // 0 = stored
};

// A minimal zip as torch.save lays it out: local header + data per entry, central directory,
// end record. With `align`, each local header's extra field pads its data to a multiple of 64
// bytes from the file's start, as torch.save does; without, the data follows the name.
inline std::string zip(const std::vector<ZipEntry>& entries, bool align = false) {
  std::string body, directory;
  for (const ZipEntry& e : entries) {
    const uint32_t crc = crc32(std::as_bytes(std::span(e.data.data(), e.data.size())));
    const std::string common = le(0, 2) + le(e.method, 2) + le(0, 4) + le(crc, 4) +
                               le(e.data.size(), 4) + le(e.data.size(), 4) + le(e.name.size(), 2);
    const size_t header = 30 + e.name.size();
    const size_t padding = align ? (64 - (body.size() + header + 4) % 64) % 64 : 0;
    const std::string extra =
        align ? le(0x4246, 2) + le(padding, 2) + std::string(padding, 'Z') : "";
    directory += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + common + le(0, 2) + le(0, 2) +
                 le(0, 2) + le(0, 2) + le(0, 4) + le(body.size(), 4) + e.name;
    body += le(0x04034b50, 4) + le(20, 2) + common + le(extra.size(), 2) + e.name + extra + e.data;
  }
  return body + directory + le(0x06054b50, 4) + le(0, 4) + le(entries.size(), 2) +
         le(entries.size(), 2) + le(directory.size(), 4) + le(body.size(), 4) + le(0, 2);
}

struct TensorSpec {
  std::string name;
  std::string storage_class;  // "FloatStorage", "HalfStorage", ...
  std::string key;
  int64_t storage_numel;
  int64_t offset;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

inline std::string unicode(const std::string& text) {
  return "X" + le(text.size(), 4) + text;
}
inline std::string binint(int64_t value) {
  return "J" + le(static_cast<uint32_t>(value), 4);
}
inline std::string int_tuple(const std::vector<int64_t>& values) {
  std::string out = "(";
  for (int64_t v : values) out += binint(v);
  return out + "t";
}
inline const std::string kOrderedDict = "ccollections\nOrderedDict\n)R";

// The protocol-2 pickle torch.save writes for an OrderedDict of tensors; `metadata` adds the
// BUILD of Module.state_dict()'s _metadata attribute.
inline std::string state_dict_pickle(const std::vector<TensorSpec>& tensors,
                                     bool metadata = false) {
  std::string p = "\x80\x02" + kOrderedDict + "(";
  for (const TensorSpec& t : tensors) {
    p += unicode(t.name) + "ctorch._utils\n_rebuild_tensor_v2\n((" + unicode("storage") +
         "ctorch\n" + t.storage_class + "\n" + unicode(t.key) + unicode("cpu") +
         binint(t.storage_numel) + "tQ" + binint(t.offset) + int_tuple(t.shape) +
         int_tuple(t.stride) + "\x89" + kOrderedDict + "tR";
  }
  p += "u";
  if (metadata)
    p += "}" + unicode("_metadata") + kOrderedDict + unicode("") + "}" + unicode("version") +
         "K\x01sssb";
  return p + ".";
}

inline std::vector<ZipEntry> checkpoint_entries(
    const std::string& pickle, const std::vector<std::pair<std::string, std::string>>& storages) {
  std::vector<ZipEntry> entries{{"archive/data.pkl", pickle}};
  for (const auto& [key, bytes] : storages) entries.push_back({"archive/data/" + key, bytes});
  entries.push_back({"archive/version", "3\n"});
  entries.push_back({"archive/byteorder", "little"});
  return entries;
}

}  // namespace embed::test
