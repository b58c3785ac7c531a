#include "loaders/tokenizer_config.h"

#include <algorithm>
#include <stdexcept>

#include "loaders/json_file.h"

namespace embed {
namespace {

using nlohmann::json;

std::optional<bool> optional_bool(const json& root, const char* key, const std::string& file) {
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw std::runtime_error(file + ": " + key + ": expected true or false");
  return it->get<bool>();
}

// A special token is written as a string or as an AddedToken object (returns 1 or 2; 0 for null).
int read_token(const json& value, const std::string& where, TokenizerAddedTokenSpec& out) {
  if (value.is_null()) return 0;
  if (value.is_string()) {
    out.content = value.get<std::string>();
    return 1;
  }
  if (!value.is_object() || !value.contains("content") || !value["content"].is_string())
    throw std::runtime_error(where + ": expected a string or an object with \"content\"");
  out.content = value["content"].get<std::string>();
  auto flag = [&](const char* key, bool fallback) {
    auto it = value.find(key);
    return it != value.end() && it->is_boolean() ? it->get<bool>() : fallback;
  };
  out.single_word = flag("single_word", false);
  out.lstrip = flag("lstrip", false);
  out.rstrip = flag("rstrip", false);
  out.special = flag("special", true);
  out.normalized = flag("normalized", !out.special);
  return 2;
}

const char* const kSpecialKeys[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                    "pad_token", "cls_token", "mask_token"};

void read_specials(const json& root, const std::string& file, TokenizerConfig& config) {
  for (const char* key : kSpecialKeys) {
    auto it = root.find(key);
    if (it == root.end()) continue;
    TokenizerAddedTokenSpec token;
    int form = read_token(*it, file + ": " + key, token);
    if (form > 0) config.special_tokens[key] = token.content;
    if (form == 2) config.special_token_flags.push_back(token);
  }
}

}  // namespace

TokenizerConfig load_tokenizer_config(const std::filesystem::path& dir) {
  TokenizerConfig config;
  const auto config_path = dir / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    const std::string file = config_path.string();
    json root = read_json_file(config_path);
    if (!root.is_object()) throw std::runtime_error(file + ": expected an object");
    config.do_lower_case = optional_bool(root, "do_lower_case", file);
    config.strip_accents = optional_bool(root, "strip_accents", file);
    config.tokenize_chinese_chars = optional_bool(root, "tokenize_chinese_chars", file);
    read_specials(root, file, config);
    auto decoder = root.find("added_tokens_decoder");
    if (decoder != root.end() && decoder->is_object()) {
      for (auto it = decoder->begin(); it != decoder->end(); ++it) {
        const std::string where = file + ": added_tokens_decoder[\"" + it.key() + "\"]";
        TokenizerAddedTokenSpec token;
        try {
          size_t used = 0;
          token.id = std::stoi(it.key(), &used);
          if (used != it.key().size()) throw std::invalid_argument(it.key());
        } catch (const std::exception&) {
          throw std::runtime_error(where + ": the key is not an id");
        }
        if (read_token(it.value(), where, token)) config.added_tokens.push_back(token);
      }
      std::sort(config.added_tokens.begin(), config.added_tokens.end(),
                [](const auto& a, const auto& b) { return a.id < b.id; });
    }
  }
  const auto map_path = dir / "special_tokens_map.json";
  if (std::filesystem::exists(map_path)) {
    json root = read_json_file(map_path);
    if (!root.is_object()) throw std::runtime_error(map_path.string() + ": expected an object");
    read_specials(root, map_path.string(), config);
  }
  return config;
}

}  // namespace embed
