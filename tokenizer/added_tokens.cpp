#include "tokenizer/added_tokens.h"

#include <algorithm>
#include <numeric>

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace embed::tokenizer {
namespace {

char32_t last_char(std::string_view text) {
  size_t pos = text.size() - 1;
  while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) --pos;
  return decode_utf8(text, pos);
}

char32_t first_char(std::string_view text) {
  size_t pos = 0;
  return decode_utf8(text, pos);
}

}  // namespace

AddedTokens::AddedTokens(std::vector<AddedToken> tokens, const NormalizeFn& normalize)
    : tokens_(std::move(tokens)) {
  for (int set = 0; set < 2; ++set) {
    MatchSet& ms = sets_[set];
    std::vector<int32_t> order;
    for (size_t i = 0; i < tokens_.size(); ++i)
      if (tokens_[i].normalized == (set == 1) && !tokens_[i].content.empty())
        order.push_back(static_cast<int32_t>(i));
    std::vector<std::string> patterns;
    for (int32_t i : order)
      patterns.push_back(set == 1 && normalize ? normalize(tokens_[i].content)
                                               : tokens_[i].content);
    // Longest first, so the first pattern matching at a position is the leftmost-longest match.
    std::vector<size_t> by_length(order.size());
    std::iota(by_length.begin(), by_length.end(), size_t{0});
    std::stable_sort(by_length.begin(), by_length.end(),
                     [&](size_t a, size_t b) { return patterns[a].size() > patterns[b].size(); });
    for (size_t k : by_length) {
      if (patterns[k].empty()) continue;
      ms.first_byte[static_cast<unsigned char>(patterns[k][0])] = true;
      ms.patterns.push_back(std::move(patterns[k]));
      ms.token_of.push_back(order[k]);
    }
  }
}

void AddedTokens::split(std::string_view text, bool normalized_set, std::vector<Piece>& out) const {
  const MatchSet& ms = sets_[normalized_set];
  size_t piece_start = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!ms.first_byte[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    int32_t matched = -1;
    for (size_t p = 0; p < ms.patterns.size(); ++p) {
      if (text.compare(pos, ms.patterns[p].size(), ms.patterns[p]) == 0) {
        matched = static_cast<int32_t>(p);
        break;
      }
    }
    if (matched < 0) {
      ++pos;
      continue;
    }
    size_t start = pos;
    size_t stop = pos + ms.patterns[matched].size();
    pos = stop;
    const int32_t index = ms.token_of[matched];
    const AddedToken& token = tokens_[index];
    if (token.single_word) {
      bool word_before = start > 0 && is_word_char(last_char(text.substr(0, start)));
      bool word_after = stop < text.size() && is_word_char(first_char(text.substr(stop)));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > piece_start) {
        size_t prev = new_start - 1;
        while (prev > 0 && (static_cast<unsigned char>(text[prev]) & 0xC0) == 0x80) --prev;
        size_t tmp = prev;
        if (!is_whitespace(decode_utf8(text, tmp))) break;
        new_start = prev;
      }
      start = new_start;
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t next = stop;
        if (!is_whitespace(decode_utf8(text, next))) break;
        stop = next;
      }
      pos = stop;
    }
    if (start > piece_start) out.push_back({piece_start, start, -1});
    out.push_back({start, stop, index});
    piece_start = stop;
  }
  if (piece_start < text.size()) out.push_back({piece_start, text.size(), -1});
}

}  // namespace embed::tokenizer
