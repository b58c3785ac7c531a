#pragma once
// HF `BertPreTokenizer`: splits on whitespace (dropped) and isolates each punctuation character,
// punctuation being ASCII punctuation or Unicode category P*.
#include "tokenizer/pre_tokenizer.h"

namespace embed::tokenizer {

class BertPreTokenizer final : public PreTokenizer {
 public:
  void split(std::string_view text, bool at_input_start, std::string& scratch,
             std::vector<std::string_view>& words) const override;
};

}  // namespace embed::tokenizer
