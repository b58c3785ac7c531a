#pragma once
// Public tokenizer API: Hugging Face `tokenizers`-compatible tokenization (ids equal to the Rust
// library's) of XLM-R / BGE-M3 (SentencePiece Unigram) and BERT (WordPiece) models.
//
//   auto tok = embed::Tokenizer::load("models/bge-m3");
//   embed::Encoding e = tok.encode("Hello world", 512);  // <s> ... </s>, at most 512 ids
//
// Loading reads tokenizer.json, else sentencepiece.bpe.model (XLM-R ids), else vocab.txt with
// tokenizer_config.json. Text that spells an added/special token (e.g. "</s>") is that token, as
// in HF. Errors are std::runtime_error with one-line messages naming the file or input.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/encoding.h"

namespace embed {

namespace tokenizer {
class Pipeline;
}

struct SpecialTokenIds {
  int32_t cls_or_bos = -1;  // first special token of the single template ([CLS] / <s>)
  int32_t sep_or_eos = -1;  // last one ([SEP] / </s>)
  int32_t pad = -1;
  int32_t unk = -1;
};

class Tokenizer {
 public:
  static Tokenizer load(const std::filesystem::path& dir);

  // Special tokens added. max_length 0 = no truncation; otherwise HF truncation (right side,
  // special tokens kept, pairs longest-first). Throws on invalid UTF-8. Thread-safe.
  Encoding encode(std::string_view text, size_t max_length = 0) const;
  Encoding encode_pair(std::string_view a, std::string_view b, size_t max_length = 0) const;

  std::string id_to_token(int32_t id) const;          // empty when unknown
  int32_t token_to_id(std::string_view token) const;  // -1 when unknown
  size_t vocab_size() const;
  SpecialTokenIds special_ids() const { return special_; }
  size_t num_special_tokens_added(bool pair) const;

 private:
  Tokenizer() = default;

  std::shared_ptr<const tokenizer::Pipeline> pipeline_;
  SpecialTokenIds special_;
};

}  // namespace embed
