#include "loaders/torch_checkpoint.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "loaders/pickle_reader.h"
#include "loaders/zip_archive.h"

namespace embed {
namespace {

std::string ints_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

}  // namespace

TorchCheckpointFile::TorchCheckpointFile(const std::filesystem::path& path) : archive_(path) {
  const auto fail = [&](const std::string& problem) {
    throw std::runtime_error(path.string() + ": " + problem);
  };
  const ZipArchive& archive = archive_;

  // torch.save puts everything under one top-level folder whose name varies ("archive/", or the
  // file's stem).
  const ZipArchive::Entry* pickle = nullptr;
  for (const ZipArchive::Entry& entry : archive.entries()) {
    const std::string_view name = entry.name;
    if (name.ends_with("/data.pkl") && name.find('/') == name.size() - 9) {
      if (pickle) fail("more than one */data.pkl entry in the archive");
      pickle = &entry;
    }
  }
  if (!pickle)
    fail("no <folder>/data.pkl entry; expected a PyTorch checkpoint written by torch.save");
  const std::string folder = pickle->name.substr(0, pickle->name.size() - 8);
  if (const ZipArchive::Entry* order = archive.find(folder + "byteorder")) {
    const auto bytes = archive.data(*order);
    if (std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()) != "little")
      fail("checkpoint byte order is not little-endian");
  }

  for (const PickledTensor& pickled :
       read_state_dict_pickle(archive.data(*pickle), path.string() + ": " + pickle->name)) {
    const std::string tensor = "tensor '" + pickled.name + "'";
    int64_t numel = 1;
    for (int64_t dim : pickled.shape)
      if (dim < 0 || __builtin_mul_overflow(numel, dim, &numel))
        fail(tensor + " has an invalid shape " + ints_string(pickled.shape));
    // We hand out plain row-major buffers; torch ignores the stride of size-1 dimensions.
    int64_t expected_stride = 1;
    for (size_t i = pickled.shape.size(); numel > 0 && i-- > 0;) {
      if (pickled.shape[i] != 1 && pickled.stride[i] != expected_stride)
        fail(tensor + " has strides " + ints_string(pickled.stride) + " for shape " +
             ints_string(pickled.shape) + "; only contiguous row-major tensors are supported");
      expected_stride *= pickled.shape[i];
    }

    const std::string storage_name = folder + "data/" + pickled.storage_key;
    const ZipArchive::Entry* storage = archive.find(storage_name);
    if (!storage) fail(tensor + ": storage entry '" + storage_name + "' is missing");
    const size_t element_size = dtype_size(pickled.dtype);
    if (storage->size / element_size != static_cast<uint64_t>(pickled.storage_numel) ||
        storage->size % element_size != 0)
      fail(tensor + ": storage '" + storage_name + "' holds " + std::to_string(storage->size) +
           " bytes; expected " + std::to_string(pickled.storage_numel) + " " +
           std::string(dtype_name(pickled.dtype)) + " elements");
    if (pickled.storage_offset < 0 || pickled.storage_offset > pickled.storage_numel ||
        numel > pickled.storage_numel - pickled.storage_offset)
      fail(tensor + " of shape " + ints_string(pickled.shape) + " at storage offset " +
           std::to_string(pickled.storage_offset) + " needs " + std::to_string(numel) +
           " elements but its storage holds " + std::to_string(pickled.storage_numel));

    if (!index_.emplace(pickled.name, tensors_.size()).second)
      fail(tensor + " appears twice in the state_dict");
    const std::byte* data = archive.data(*storage).data() + pickled.storage_offset * element_size;
    const size_t nbytes = static_cast<size_t>(numel) * element_size;
    // torch.save aligns every storage to 64 bytes; other zip writers may not, and the engine reads
    // tensors as arrays of their element type, so an unaligned one is copied.
    const bool aligned = reinterpret_cast<uintptr_t>(data) % element_size == 0;
    if (!aligned) data = unaligned_copies_.emplace_back(data, data + nbytes).data();
    tensors_.push_back({pickled.name, pickled.dtype, pickled.shape, data, nbytes, aligned});
  }
}

std::shared_ptr<const TorchCheckpointFile> TorchCheckpointFile::open(
    const std::filesystem::path& path) {
  return std::make_shared<const TorchCheckpointFile>(path);
}

const TensorView* TorchCheckpointFile::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::vector<OwnedTensor> read_torch_state_dict(const std::filesystem::path& path) {
  const TorchCheckpointFile file(path);
  std::vector<OwnedTensor> tensors;
  for (const TensorView& view : file.tensors())
    tensors.push_back({view.name, view.dtype, view.shape,
                       std::vector<std::byte>(view.data, view.data + view.nbytes)});
  return tensors;
}

}  // namespace embed
