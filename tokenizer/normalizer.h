#pragma once
// A normalization step of a tokenizer pipeline (HF `normalizer`), applied to each piece of input
// text that is not an added token.
#include <string>
#include <string_view>

namespace embed::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Writes the normalized form of `in` to `out` (replacing its contents); `in` never aliases
  // `out`.
  virtual void normalize(std::string_view in, std::string& out) const = 0;
};

}  // namespace embed::tokenizer
