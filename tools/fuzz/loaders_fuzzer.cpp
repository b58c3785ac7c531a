// libFuzzer target for the loaders' parsers of untrusted files: the first byte picks the parser
// (sentencepiece.bpe.model, tokenizer.json, vocab.txt, safetensors, a PyTorch checkpoint's pickle,
// a whole PyTorch zip checkpoint, config.json, or a folder's sentence-transformers and tokenizer
// configuration files and sharded-checkpoint index), the rest is the file (for the folder, its
// files separated by NUL bytes).
// A std::exception whose message names the file is an accepted outcome (a clear error); a crash,
// a sanitizer report, a hang or an error that does not say which file is wrong is a bug. Built
// with -DEMBED_FUZZ=ON by clang (README: Testing).
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "loaders/checkpoint.h"
#include "loaders/model_config.h"
#include "loaders/pickle_reader.h"
#include "loaders/safetensors.h"
#include "loaders/sentence_transformers.h"
#include "loaders/sentencepiece_model.h"
#include "loaders/tokenizer_config.h"
#include "loaders/tokenizer_json.h"
#include "loaders/torch_checkpoint.h"
#include "loaders/wordpiece_vocab.h"

namespace {

// Every file the loaders open by path (mapping it, or reading JSON) lives in this folder in memory;
// each error message must name one of them.
const std::string& folder() {
  static const std::string path = "/dev/shm/embed_fuzz_" + std::to_string(::getpid());
  return path;
}

std::string as_file(std::string_view bytes, const std::string& name) {
  const std::filesystem::path path = std::filesystem::path(folder()) / name;
  std::filesystem::create_directories(path.parent_path());
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw std::runtime_error("cannot write " + path.string());
  std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
  return path.string();
}

void open_safetensors(std::string_view bytes) {
  const auto parsed = embed::SafetensorsFile::open(as_file(bytes, "model.safetensors"));
  // Every view must lie inside the mapping: touch each one's last byte.
  for (const embed::TensorView& tensor : parsed->tensors()) {
    volatile std::byte last = tensor.nbytes ? tensor.data[tensor.nbytes - 1] : std::byte{0};
    (void)last;
  }
}

void read_checkpoint(std::string_view bytes) {
  // Every tensor's bytes must match its dtype and shape: the reader copies them out.
  for (const embed::OwnedTensor& tensor :
       embed::read_torch_state_dict(as_file(bytes, "colbert_linear.pt"))) {
    size_t elements = 1;
    for (int64_t extent : tensor.shape) elements *= static_cast<size_t>(extent);
    if (tensor.data.size() != elements * embed::dtype_size(tensor.dtype)) __builtin_trap();
  }
}

// The configuration files of a sentence-transformers model folder and a sharded checkpoint's
// index (whose shards can only be the other files), NUL-separated in the input in this order; an
// empty part leaves its file out.
void load_folder_configs(std::string_view bytes) {
  static const char* const kFiles[] = {
      "modules.json",          "1_Pooling/config.json",   "sentence_bert_config.json",
      "tokenizer_config.json", "special_tokens_map.json", "model.safetensors.index.json"};
  std::filesystem::remove_all(folder());
  for (const char* name : kFiles) {
    const size_t end = std::min(bytes.find('\0'), bytes.size());
    if (end > 0) as_file(bytes.substr(0, end), name);
    bytes.remove_prefix(std::min(end + 1, bytes.size()));
  }
  embed::load_sentence_transformers_config(folder());
  embed::load_tokenizer_config(folder());
  embed::Checkpoint::open(folder());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 8) {
      case 0:
        embed::parse_sentencepiece_model(bytes, "fuzz/sentencepiece.bpe.model");
        break;
      case 1:
        embed::parse_tokenizer_json(bytes, "fuzz/tokenizer.json");
        break;
      case 2:
        embed::parse_wordpiece_vocab(bytes);
        break;
      case 3:
        open_safetensors(bytes);
        break;
      case 4:
        embed::read_state_dict_pickle(std::as_bytes(std::span(bytes.data(), bytes.size())),
                                      "fuzz/data.pkl");
        break;
      case 5:
        read_checkpoint(bytes);
        break;
      case 6:
        embed::ModelConfig::load(as_file(bytes, "config.json"));
        break;
      default:
        load_folder_configs(bytes);
    }
  } catch (const std::exception& e) {
    const std::string message = e.what();
    if (message.find("fuzz/") == std::string::npos && message.find(folder()) == std::string::npos) {
      std::fprintf(stderr, "error without its file: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
