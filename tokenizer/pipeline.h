#pragma once
// The HF tokenizer pipeline: added tokens are cut out of the raw text, the rest is normalized,
// pre-tokenized and tokenized by the model, then truncated and wrapped by the post-processor.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/encoding.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"

namespace embed::tokenizer {

class Pipeline {
 public:
  // `pre_tokenizer` may be null (each normalized piece is one word); `model` may not.
  Pipeline(std::vector<std::unique_ptr<Normalizer>> normalizers,
           std::unique_ptr<PreTokenizer> pre_tokenizer, std::unique_ptr<Model> model,
           std::vector<AddedToken> added_tokens, TemplateProcessing post_processor);

  // Special tokens added; max_length 0 = no truncation, else HF truncation (room is kept for the
  // special tokens; throws std::runtime_error if max_length cannot even hold those). Throws
  // std::runtime_error on invalid UTF-8. Thread-safe.
  Encoding encode(std::string_view text, size_t max_length) const;
  Encoding encode_pair(std::string_view a, std::string_view b, size_t max_length) const;

  // Model tokens only: no special tokens, no truncation.
  void tokenize(std::string_view text, Encoding& out) const;

  // Added tokens first, then the model vocabulary; -1 / empty when unknown.
  int32_t token_to_id(std::string_view token) const;
  std::string id_to_token(int32_t id) const;
  size_t vocab_size() const;
  size_t added_tokens(bool pair) const { return post_processor_.added_tokens(pair); }

  // Applies the normalizers to `in`; the result lives in `a` or `b`.
  std::string_view normalize(std::string_view in, std::string& a, std::string& b) const;

 private:
  void tokenize_piece(std::string_view text, bool at_input_start, Encoding& out) const;
  void finish(Encoding& a, Encoding* b, size_t max_length) const;

  std::vector<std::unique_ptr<Normalizer>> normalizers_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  AddedTokens added_;
  TemplateProcessing post_processor_;
};

}  // namespace embed::tokenizer
