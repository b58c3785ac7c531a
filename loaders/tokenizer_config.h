#pragma once
// Reader of the transformers tokenizer settings beside the vocabulary files:
// tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars, special token
// strings, added_tokens_decoder) and special_tokens_map.json. Missing files or fields stay unset.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loaders/tokenizer_spec.h"

namespace embed {

struct TokenizerConfig {
  std::optional<bool> do_lower_case;
  std::optional<bool> strip_accents;
  std::optional<bool> tokenize_chinese_chars;
  // "cls_token" -> "[CLS]", ...; special_tokens_map.json overrides tokenizer_config.json.
  std::map<std::string, std::string> special_tokens;
  // The special tokens written as AddedToken objects, with their flags (e.g. <mask> lstrip).
  std::vector<TokenizerAddedTokenSpec> special_token_flags;
  // added_tokens_decoder, in id order.
  std::vector<TokenizerAddedTokenSpec> added_tokens;
};

TokenizerConfig load_tokenizer_config(const std::filesystem::path& dir);

}  // namespace embed
