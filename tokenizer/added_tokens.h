#pragma once
// HF added tokens (`added_tokens` of tokenizer.json): special and user tokens found in the text
// before the model runs, leftmost-longest and non-overlapping. Tokens with `normalized: false` are
// matched in the raw input, the others in the normalized pieces between those. `lstrip`/`rstrip`
// absorb the whitespace on that side into the token; `single_word` rejects a match touching a word
// character.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace embed::tokenizer {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = true;
};

class AddedTokens {
 public:
  // Normalizes one string (the pipeline's normalizers); applied to the patterns of tokens with
  // `normalized: true`, as HF matches those against normalized text.
  using NormalizeFn = std::function<std::string(std::string_view)>;

  AddedTokens() = default;
  AddedTokens(std::vector<AddedToken> tokens, const NormalizeFn& normalize);

  // A piece of text: [begin, end) bytes, and the added token it is, or -1 for plain text.
  struct Piece {
    size_t begin;
    size_t end;
    int32_t token;  // index into tokens(), or -1
  };
  // Splits `text` on the tokens of one matching set (normalized or not) and appends the pieces
  // (covering all of `text`, none empty) to `out`.
  void split(std::string_view text, bool normalized_set, std::vector<Piece>& out) const;
  bool has(bool normalized_set) const { return !sets_[normalized_set].patterns.empty(); }

  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct MatchSet {
    std::vector<std::string> patterns;  // longest first
    std::vector<int32_t> token_of;      // pattern -> index into tokens_
    bool first_byte[256] = {};
  };
  std::vector<AddedToken> tokens_;
  MatchSet sets_[2];  // [0]: raw-text tokens, [1]: normalized tokens
};

}  // namespace embed::tokenizer
