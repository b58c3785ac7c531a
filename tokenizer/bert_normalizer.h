#pragma once
// HF `BertNormalizer` (the fast BERT tokenizer's): clean_text drops NUL, U+FFFD and C* characters
// except TAB/LF/CR and maps whitespace to ' '; handle_chinese_chars puts spaces around CJK
// ideographs (the fast tokenizer's ranges); strip_accents is NFD followed by dropping Mn; lowercase
// is Rust's per-character `to_lowercase`, applied after accent stripping.
#include "tokenizer/normalizer.h"

namespace embed::tokenizer {

class BertNormalizer final : public Normalizer {
 public:
  struct Options {
    bool clean_text = true;
    bool handle_chinese_chars = true;
    bool strip_accents = true;  // tokenizer.json's `null` means "same as lowercase"
    bool lowercase = true;
  };
  explicit BertNormalizer(Options options) : options_(options) {}
  void normalize(std::string_view in, std::string& out) const override;

 private:
  Options options_;
};

// The CJK ideograph ranges of HF's BertNormalizer (differ from the Python BasicTokenizer's).
bool is_chinese_char(char32_t c);

}  // namespace embed::tokenizer
