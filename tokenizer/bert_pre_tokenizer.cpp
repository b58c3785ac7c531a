#include "tokenizer/bert_pre_tokenizer.h"

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace embed::tokenizer {
namespace {

inline bool is_ascii_punctuation(unsigned char c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

}  // namespace

void BertPreTokenizer::split(std::string_view text, bool, std::string&,
                             std::vector<std::string_view>& words) const {
  size_t word_start = 0;
  size_t pos = 0;
  auto close_word = [&](size_t end) {
    if (end > word_start) words.push_back(text.substr(word_start, end - word_start));
  };
  while (pos < text.size()) {
    size_t start = pos;
    auto b = static_cast<unsigned char>(text[pos]);
    bool space;
    bool punct;
    if (b < 0x80) {
      ++pos;
      space = b == ' ' || (b >= 0x09 && b <= 0x0D);
      punct = is_ascii_punctuation(b);
    } else {
      char32_t c = decode_utf8(text, pos);
      space = is_whitespace(c);
      punct = !space && is_punctuation(c);
    }
    if (space) {
      close_word(start);
      word_start = pos;
    } else if (punct) {
      close_word(start);
      words.push_back(text.substr(start, pos - start));
      word_start = pos;
    }
  }
  close_word(text.size());
}

}  // namespace embed::tokenizer
