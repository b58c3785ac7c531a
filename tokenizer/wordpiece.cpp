#include "tokenizer/wordpiece.h"

#include <stdexcept>

#include "tokenizer/utf8.h"

namespace embed::tokenizer {

WordPiece::WordPiece(std::vector<std::string> vocab, const std::string& unk_token,
                     std::string continuing_prefix, size_t max_input_chars_per_word)
    : vocab_(std::move(vocab)),
      unk_token_(unk_token),
      prefix_(std::move(continuing_prefix)),
      max_chars_(max_input_chars_per_word) {
  std::vector<int32_t> ids(vocab_.size());
  std::vector<std::string> continuations;
  std::vector<int32_t> continuation_ids;
  for (size_t i = 0; i < vocab_.size(); ++i) {
    ids[i] = static_cast<int32_t>(i);
    if (!prefix_.empty() && vocab_[i].size() > prefix_.size() &&
        vocab_[i].compare(0, prefix_.size(), prefix_) == 0) {
      continuations.push_back(vocab_[i].substr(prefix_.size()));
      continuation_ids.push_back(static_cast<int32_t>(i));
    }
  }
  vocab_trie_ = ByteTrie(vocab_, ids);
  continuation_trie_ = prefix_.empty() ? vocab_trie_ : ByteTrie(continuations, continuation_ids);
  unk_id_ = vocab_trie_.find(unk_token_);
  if (unk_id_ < 0)
    throw std::runtime_error("WordPiece: unk token '" + unk_token_ + "' is not in the vocabulary");
}

std::string WordPiece::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_.size()) return {};
  return vocab_[id];
}

void WordPiece::tokenize(std::string_view word, Encoding& out) const {
  const size_t first = out.ids.size();
  bool bad = count_code_points(word) > max_chars_;
  size_t start = 0;
  while (!bad && start < word.size()) {
    const ByteTrie& trie = start == 0 ? vocab_trie_ : continuation_trie_;
    size_t best_length = 0;
    int32_t best_id = -1;
    trie.for_each_prefix(word.substr(start), [&](size_t length, int32_t id) {
      best_length = length;
      best_id = id;
    });
    if (best_id < 0) {
      bad = true;
      break;
    }
    out.ids.push_back(best_id);
    if (start == 0)
      out.tokens.emplace_back(word.substr(0, best_length));
    else
      out.tokens.push_back(prefix_ + std::string(word.substr(start, best_length)));
    start += best_length;
  }
  if (bad) {
    out.ids.resize(first);
    out.tokens.resize(first);
    out.ids.push_back(unk_id_);
    out.tokens.push_back(unk_token_);
  }
}

}  // namespace embed::tokenizer
