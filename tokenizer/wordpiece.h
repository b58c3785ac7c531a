#pragma once
// HF `WordPiece` model (BERT family): greedy longest-match-first within a word, pieces after the
// first carrying the continuing-subword prefix ("##"). A word longer than max_input_chars_per_word
// characters, or with any position that matches no piece, becomes a single unk token.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/byte_trie.h"
#include "tokenizer/model.h"

namespace embed::tokenizer {

class WordPiece final : public Model {
 public:
  // `vocab[i]` is the token of id i. Throws std::runtime_error if `unk_token` is not in it.
  WordPiece(std::vector<std::string> vocab, const std::string& unk_token,
            std::string continuing_prefix, size_t max_input_chars_per_word);

  void tokenize(std::string_view word, Encoding& out) const override;
  int32_t token_to_id(std::string_view token) const override { return vocab_trie_.find(token); }
  std::string id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  std::vector<std::string> vocab_;
  ByteTrie vocab_trie_;         // every entry, as written
  ByteTrie continuation_trie_;  // entries starting with the prefix, prefix removed
  std::string unk_token_;
  int32_t unk_id_;
  std::string prefix_;
  size_t max_chars_;
};

}  // namespace embed::tokenizer
