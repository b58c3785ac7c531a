#include "loaders/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace embed {
namespace {

// Bigger headers than this are not written by any real tool; refuse them before parsing.
constexpr uint64_t kMaxHeaderBytes = 256ull << 20;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& problem) {
  throw std::runtime_error(path.string() + ": " + problem);
}

uint64_t read_le64(const std::byte* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(p[i]);
  return value;
}

uint64_t json_uint(const nlohmann::json& value, const std::filesystem::path& path,
                   const std::string& what) {
  if (!value.is_number_unsigned()) fail(path, what + " must be a non-negative integer");
  return value.get<uint64_t>();
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string TensorView::shape_string() const {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  auto file = std::make_shared<SafetensorsFile>();
  file->path_ = path;
  file->mapping_ = MappedFile(path);
  const std::byte* bytes = file->mapping_.data();
  const size_t size = file->mapping_.size();

  if (size < 8)
    fail(path, "truncated safetensors file: " + std::to_string(size) +
                   " bytes, "
                   "need at least the 8-byte header length");
  const uint64_t header_len = read_le64(bytes);
  if (header_len > size - 8)
    fail(path, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                   std::to_string(size) + " bytes)");
  if (header_len > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(header_len) + " exceeds the 256 MiB limit");

  const char* header_text = reinterpret_cast<const char*>(bytes + 8);
  nlohmann::json header = nlohmann::json::parse(header_text, header_text + header_len, nullptr,
                                                /*allow_exceptions=*/false);
  if (header.is_discarded()) fail(path, "header is not valid JSON");
  if (!header.is_object()) fail(path, "header is not a JSON object");

  const std::byte* data_area = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;

  for (auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(path, "__metadata__ must be an object of strings");
      for (auto& [key, value] : entry.items()) {
        if (!value.is_string()) fail(path, "__metadata__ value '" + key + "' is not a string");
        file->metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object()) fail(path, where + ": entry is not an object");
    const auto dtype_it = entry.find("dtype");
    const auto shape_it = entry.find("shape");
    const auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || shape_it == entry.end() || offsets_it == entry.end())
      fail(path, where + ": needs dtype, shape and data_offsets");
    if (!dtype_it->is_string()) fail(path, where + ": dtype must be a string");
    const auto dtype = dtype_from_name(dtype_it->get<std::string>());
    if (!dtype)
      fail(path, where + ": unsupported dtype '" + dtype_it->get<std::string>() +
                     "' (expected F32, F16, BF16, I8, U8, I32, I64 or F64)");
    if (!shape_it->is_array()) fail(path, where + ": shape must be an array");
    if (!offsets_it->is_array() || offsets_it->size() != 2)
      fail(path, where + ": data_offsets must be [begin, end]");

    TensorView view{name, *dtype, {}, nullptr, 0};
    // Element count with overflow checks: a lying header must not wrap around.
    uint64_t numel = 1;
    for (const auto& dim : *shape_it) {
      const uint64_t d = json_uint(dim, path, where + ": shape dimension");
      if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (d != 0 && numel > std::numeric_limits<uint64_t>::max() / d))
        fail(path, where + ": shape overflows");
      numel *= d;
      view.shape.push_back(static_cast<int64_t>(d));
    }
    const uint64_t begin = json_uint((*offsets_it)[0], path, where + ": data_offsets begin");
    const uint64_t end = json_uint((*offsets_it)[1], path, where + ": data_offsets end");
    if (begin > end) fail(path, where + ": data_offsets begin > end");
    if (end > data_size)
      fail(path, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     "] run past the data area (" + std::to_string(data_size) + " bytes)");
    const uint64_t element_size = dtype_size(*dtype);
    if (numel > std::numeric_limits<uint64_t>::max() / element_size ||
        numel * element_size != end - begin)
      fail(path, where + ": shape " + view.shape_string() + " of " +
                     std::string(dtype_name(*dtype)) + " needs " +
                     std::to_string(numel * element_size) + " bytes but data_offsets span " +
                     std::to_string(end - begin));
    view.data = data_area + begin;
    view.nbytes = end - begin;
    file->tensors_.push_back(std::move(view));
  }

  // Overlapping spans mean two tensors alias the same bytes: a corrupt or hostile file.
  std::vector<const TensorView*> by_offset;
  for (const auto& t : file->tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorView* a, const TensorView* b) { return a->data < b->data; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorView* prev = by_offset[i - 1];
    if (prev->data + prev->nbytes > by_offset[i]->data)
      fail(path, "tensors '" + prev->name + "' and '" + by_offset[i]->name +
                     "' have overlapping data_offsets");
  }
  for (size_t i = 0; i < file->tensors_.size(); ++i) file->index_[file->tensors_[i].name] = i;
  return file;
}

const TensorView* SafetensorsFile::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace embed
