#pragma once
// HF `Metaspace` pre-tokenizer: every ' ' becomes the replacement character (U+2581 '▁'); the
// replacement is prepended to a piece not already starting with it (scheme `always`, or `first`
// for the piece at the input's start only); with `split`, each replacement character starts a new
// word. The legacy `add_prefix_space: true/false` maps to `always`/`never`, split true.
#include <string>

#include "tokenizer/pre_tokenizer.h"

namespace embed::tokenizer {

class Metaspace final : public PreTokenizer {
 public:
  enum class PrependScheme { kAlways, kFirst, kNever };
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void split(std::string_view text, bool at_input_start, std::string& scratch,
             std::vector<std::string_view>& words) const override;

 private:
  std::string replacement_;  // one character, UTF-8
  PrependScheme scheme_;
  bool split_;
};

}  // namespace embed::tokenizer
