#include "tokenizer/metaspace.h"

namespace embed::tokenizer {

void Metaspace::split(std::string_view text, bool at_input_start, std::string& scratch,
                      std::vector<std::string_view>& words) const {
  if (text.empty()) return;
  const std::string_view rep = replacement_;
  scratch.clear();
  scratch.reserve(text.size() + text.size() / 2 + rep.size());
  bool starts_with_rep = text.front() == ' ' || text.substr(0, rep.size()) == rep;
  bool prepend =
      scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && at_input_start);
  if (prepend && !starts_with_rep) scratch.append(rep);
  for (char c : text) {
    if (c == ' ')
      scratch.append(rep);
    else
      scratch.push_back(c);
  }
  const std::string_view all = scratch;
  if (!split_) {
    words.push_back(all);
    return;
  }
  // MergedWithNext: each replacement character begins a word.
  size_t word_start = 0;
  size_t pos = all.find(rep, 1);
  while (pos != std::string_view::npos) {
    if (pos > word_start) words.push_back(all.substr(word_start, pos - word_start));
    word_start = pos;
    pos = all.find(rep, pos + rep.size());
  }
  words.push_back(all.substr(word_start));
}

}  // namespace embed::tokenizer
