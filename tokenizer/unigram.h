#pragma once
// HF `Unigram` model (XLM-R, BGE-M3): Viterbi over the byte positions of a word, candidates found
// by common-prefix search in a trie. A character with no single-character piece gets an <unk>
// candidate scored min_score - 10; a candidate replaces the best path to its end only when its
// score is strictly greater (ties keep the earlier one); consecutive <unk>s are fused into one.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/byte_trie.h"
#include "tokenizer/model.h"

namespace embed::tokenizer {

class Unigram final : public Model {
 public:
  // `vocab` = (piece, score) in id order. Throws std::runtime_error if unk_id is out of range or
  // the vocabulary is empty.
  Unigram(std::vector<std::pair<std::string, double>> vocab, int32_t unk_id);

  void tokenize(std::string_view word, Encoding& out) const override;
  int32_t token_to_id(std::string_view token) const override { return trie_.find(token); }
  std::string id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return pieces_.size(); }

 private:
  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  ByteTrie trie_;
  int32_t unk_id_;
  double unk_score_;
};

}  // namespace embed::tokenizer
