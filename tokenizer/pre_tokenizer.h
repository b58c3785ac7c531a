#pragma once
// A pre-tokenizer (HF `pre_tokenizer`): cuts one normalized piece of text into the words the model
// tokenizes independently.
#include <string>
#include <string_view>
#include <vector>

namespace embed::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Appends the words of `text` to `words`. Words may point into `text` or into `scratch`, which
  // the caller keeps alive (and unchanged) while it uses them. `at_input_start` tells whether the
  // piece starts at offset 0 of the original input.
  virtual void split(std::string_view text, bool at_input_start, std::string& scratch,
                     std::vector<std::string_view>& words) const = 0;
};

}  // namespace embed::tokenizer
