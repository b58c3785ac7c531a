#pragma once
// HF `Replace` normalizer: replaces every non-overlapping, leftmost match of a pattern. Patterns
// are a literal string, or the regex forms tokenizer.json files use: a literal, or one (possibly
// escaped) character with a `{m,}`, `{m,n}`, `{m}` or `+` repetition, e.g. " {2,}".
#include <string>

#include "tokenizer/normalizer.h"

namespace embed::tokenizer {

class Replace final : public Normalizer {
 public:
  // Throws std::runtime_error for a regex outside the supported forms.
  Replace(const std::string& pattern, bool is_regex, std::string content);
  void normalize(std::string_view in, std::string& out) const override;

 private:
  std::string literal_;    // the matched text, or the repeated character
  size_t min_repeat_ = 0;  // 0: `literal_` is matched as a whole string
  size_t max_repeat_ = 0;  // 0: unbounded
  std::string content_;
};

}  // namespace embed::tokenizer
