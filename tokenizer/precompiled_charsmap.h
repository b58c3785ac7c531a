#pragma once
// HF `Precompiled` normalizer: sentencepiece's precompiled character map (`nmt_nfkc` and friends),
// applied the way HF tokenizers applies it. Blob layout: [u32 trie byte size][XOR-compressed
// double-array units][NUL-separated replacement strings]. HF walks extended grapheme clusters: a
// cluster shorter than 6 bytes is looked up whole and replaced by the *first* (shortest) prefix
// match; otherwise, or without a match, each character is looked up on its own.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalizer.h"

namespace embed::tokenizer {

class PrecompiledCharsmap final : public Normalizer {
 public:
  // Throws std::runtime_error when the blob is malformed.
  explicit PrecompiledCharsmap(const std::vector<uint8_t>& blob);
  void normalize(std::string_view in, std::string& out) const override;

  // The replacement of the shortest prefix of `chunk` present in the map; false when none.
  bool transform(std::string_view chunk, std::string_view& replacement) const;

 private:
  std::vector<uint32_t> units_;
  std::string replacements_;
  // Per ASCII byte: offset into replacements_, or -1 when the byte maps to itself.
  int32_t ascii_[128];
};

}  // namespace embed::tokenizer
