#pragma once
// A tokenization model (HF `model`): turns one pre-tokenized word into vocabulary ids.
#include <cstdint>
#include <string>
#include <string_view>

#include "tokenizer/encoding.h"

namespace embed::tokenizer {

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids and token strings of `word` (non-empty) to `out.ids` / `out.tokens`.
  virtual void tokenize(std::string_view word, Encoding& out) const = 0;
  // Id of an exact vocabulary entry, or -1.
  virtual int32_t token_to_id(std::string_view token) const = 0;
  // The vocabulary entry of `id`; empty when out of range.
  virtual std::string id_to_token(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
};

}  // namespace embed::tokenizer
