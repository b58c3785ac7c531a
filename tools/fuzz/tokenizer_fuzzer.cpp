// libFuzzer target for tokenizing untrusted text: any bytes (invalid UTF-8 included) through a
// WordPiece and a Unigram tokenizer, truncated to a length from the first byte. A clear error
// (std::runtime_error) is an accepted outcome; a crash or a sanitizer report is a bug. The
// tokenizers are the fixtures' (EMBED_FUZZ_FIXTURES, default ../shared/fixtures).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "engine/tokenizer.h"

namespace {

const embed::Tokenizer& tokenizer(bool unigram) {
  static const std::filesystem::path fixtures =
      std::getenv("EMBED_FUZZ_FIXTURES") ? std::getenv("EMBED_FUZZ_FIXTURES") : EMBED_FIXTURES_DIR;
  static const embed::Tokenizer wordpiece =
      embed::Tokenizer::load(fixtures / "tokenizers" / "bert-base-uncased");
  static const embed::Tokenizer sentencepiece =
      embed::Tokenizer::load(fixtures / "tokenizers" / "xlmr-unigram-8k");
  return unigram ? sentencepiece : wordpiece;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    (void)tokenizer(data[0] & 1).encode(text, data[0] >> 4);  // max length 0 (none) to 15
  } catch (const std::runtime_error&) {
  }
  return 0;
}
