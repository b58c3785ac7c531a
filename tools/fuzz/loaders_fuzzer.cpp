// libFuzzer target for the loaders' parsers of untrusted files: the first byte picks the parser
// (sentencepiece.bpe.model, tokenizer.json, vocab.txt, safetensors), the rest is the file. Any
// std::exception is an accepted outcome (a clear error); a crash, a sanitizer report or a hang is
// a bug. Built with -DEMBED_FUZZ=ON by clang (README: Testing).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "loaders/safetensors.h"
#include "loaders/sentencepiece_model.h"
#include "loaders/tokenizer_json.h"
#include "loaders/wordpiece_vocab.h"

namespace {

// SafetensorsFile maps a file, so the input goes through one (in memory, in /dev/shm).
void open_safetensors(std::string_view bytes) {
  static const std::string path =
      "/dev/shm/embed_fuzz_" + std::to_string(::getpid()) + ".safetensors";
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return;
  std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
  const auto parsed = embed::SafetensorsFile::open(path);
  // Every view must lie inside the mapping: touch each one's last byte.
  for (const embed::TensorView& tensor : parsed->tensors()) {
    volatile std::byte last = tensor.nbytes ? tensor.data[tensor.nbytes - 1] : std::byte{0};
    (void)last;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        embed::parse_sentencepiece_model(bytes, "fuzz/sentencepiece.bpe.model");
        break;
      case 1:
        embed::parse_tokenizer_json(bytes, "fuzz/tokenizer.json");
        break;
      case 2:
        embed::parse_wordpiece_vocab(bytes);
        break;
      default:
        open_safetensors(bytes);
    }
  } catch (const std::exception&) {
  }
  return 0;
}
