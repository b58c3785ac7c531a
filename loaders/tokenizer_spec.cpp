#include "loaders/tokenizer_spec.h"

#include <stdexcept>
#include <unordered_map>

#include "loaders/sentencepiece_model.h"
#include "loaders/tokenizer_config.h"
#include "loaders/tokenizer_json.h"
#include "loaders/wordpiece_vocab.h"

namespace embed {
namespace {

TokenizerTemplatePieceSpec special_piece(const std::string& token, int32_t id, int32_t type_id) {
  return TokenizerTemplatePieceSpec{-1, {id}, {token}, type_id};
}

TokenizerTemplatePieceSpec sequence_piece(int sequence, int32_t type_id) {
  return TokenizerTemplatePieceSpec{sequence, {}, {}, type_id};
}

TokenizerAddedTokenSpec special_token(int32_t id, const std::string& content) {
  TokenizerAddedTokenSpec token;
  token.id = id;
  token.content = content;
  return token;
}

// Flags of a special token as tokenizer_config.json / special_tokens_map.json give them.
void apply_config_flags(const TokenizerConfig& config, TokenizerAddedTokenSpec& token) {
  for (const auto& written : config.special_token_flags) {
    if (written.content != token.content) continue;
    token.single_word = written.single_word;
    token.lstrip = written.lstrip;
    token.rstrip = written.rstrip;
    token.normalized = written.normalized;
  }
}

std::string special_content(const TokenizerConfig& config, const char* key,
                            const std::string& fallback) {
  auto it = config.special_tokens.find(key);
  return it == config.special_tokens.end() ? fallback : it->second;
}

// What transformers' XLMRobertaConverter (v4.41.2) writes for an XLM-R sentencepiece model:
// fairseq ids (<s>=0 <pad>=1 </s>=2 <unk>=3, piece i>=3 -> i+1, <mask> last), normalizers
// Precompiled + Strip(right) + Replace(" {2,}" -> "▁"), Metaspace, <s> $A </s> templates.
TokenizerSpec from_sentencepiece(const std::filesystem::path& dir,
                                 const std::filesystem::path& path) {
  SentencePieceModel sp = load_sentencepiece_model(path);
  const std::string name = path.string();
  if (sp.model_type != 1)
    throw std::runtime_error(name + ": trainer_spec.model_type " + std::to_string(sp.model_type) +
                             " is not supported (only Unigram, 1)");
  if (sp.pieces.size() < 3)
    throw std::runtime_error(name + ": fewer than the 3 pieces <unk> <s> </s>");
  if (sp.byte_fallback)
    throw std::runtime_error(name + ": trainer_spec.byte_fallback is not supported");
  TokenizerConfig config = load_tokenizer_config(dir);

  TokenizerSpec spec;
  spec.source = path;
  auto& vocab = spec.model.unigram_vocab;
  vocab = {{"<s>", 0.0}, {"<pad>", 0.0}, {"</s>", 0.0}, {"<unk>", 0.0}};
  for (size_t i = 3; i < sp.pieces.size(); ++i)
    vocab.emplace_back(sp.pieces[i].piece, static_cast<double>(sp.pieces[i].score));
  vocab.emplace_back("<mask>", 0.0);
  spec.model.kind = TokenizerModelSpec::Kind::kUnigram;
  spec.model.unk_id = 3;
  const auto mask_id = static_cast<int32_t>(vocab.size() - 1);

  if (!sp.precompiled_charsmap.empty()) {
    TokenizerNormalizerSpec precompiled;
    precompiled.kind = TokenizerNormalizerSpec::Kind::kPrecompiled;
    precompiled.precompiled_charsmap = sp.precompiled_charsmap;
    spec.normalizers.push_back(std::move(precompiled));
  }
  TokenizerNormalizerSpec strip;
  strip.kind = TokenizerNormalizerSpec::Kind::kStrip;
  strip.strip_right = true;
  spec.normalizers.push_back(strip);
  TokenizerNormalizerSpec replace;
  replace.kind = TokenizerNormalizerSpec::Kind::kReplace;
  replace.pattern = " {2,}";
  replace.pattern_is_regex = true;
  replace.content = "\xE2\x96\x81";
  spec.normalizers.push_back(replace);

  spec.pre_tokenizer.kind = TokenizerPreTokenizerSpec::Kind::kMetaspace;
  spec.pre_tokenizer.prepend_scheme = sp.add_dummy_prefix ? "always" : "never";
  spec.pre_tokenizer.split = true;

  spec.single = {special_piece("<s>", 0, 0), sequence_piece(0, 0), special_piece("</s>", 2, 0)};
  spec.pair = {special_piece("<s>", 0, 0),  sequence_piece(0, 0), special_piece("</s>", 2, 0),
               special_piece("</s>", 2, 0), sequence_piece(1, 0), special_piece("</s>", 2, 0)};

  if (!config.added_tokens.empty()) {
    spec.added_tokens = config.added_tokens;
  } else {
    spec.added_tokens = {special_token(0, "<s>"), special_token(1, "<pad>"),
                         special_token(2, "</s>"), special_token(3, "<unk>"),
                         special_token(mask_id, "<mask>")};
    spec.added_tokens.back().lstrip = true;  // XLMRobertaTokenizer's mask token
    for (auto& token : spec.added_tokens) apply_config_flags(config, token);
  }
  return spec;
}

// What transformers' BertConverter (v4.41.2) writes for vocab.txt + tokenizer_config.json.
TokenizerSpec from_wordpiece_vocab(const std::filesystem::path& dir,
                                   const std::filesystem::path& path) {
  TokenizerConfig config = load_tokenizer_config(dir);
  TokenizerSpec spec;
  spec.source = path;
  spec.model.kind = TokenizerModelSpec::Kind::kWordPiece;
  spec.model.wordpiece_vocab = load_wordpiece_vocab(path);
  std::unordered_map<std::string, int32_t> ids;
  for (size_t i = 0; i < spec.model.wordpiece_vocab.size(); ++i)
    ids[spec.model.wordpiece_vocab[i]] = static_cast<int32_t>(i);  // a repeated line: last wins
  auto id_of = [&](const std::string& token) {
    auto it = ids.find(token);
    return it == ids.end() ? -1 : it->second;
  };

  TokenizerNormalizerSpec bert;
  bert.kind = TokenizerNormalizerSpec::Kind::kBert;
  bert.clean_text = true;
  bert.handle_chinese_chars = config.tokenize_chinese_chars.value_or(true);
  bert.strip_accents = config.strip_accents;
  bert.lowercase = config.do_lower_case.value_or(true);
  spec.normalizers.push_back(bert);
  spec.pre_tokenizer.kind = TokenizerPreTokenizerSpec::Kind::kBert;
  spec.model.unk_token = special_content(config, "unk_token", "[UNK]");

  const std::string cls = special_content(config, "cls_token", "[CLS]");
  const std::string sep = special_content(config, "sep_token", "[SEP]");
  const int32_t cls_id = id_of(cls), sep_id = id_of(sep);
  if (cls_id < 0 || sep_id < 0)
    throw std::runtime_error(path.string() + ": the special tokens " + cls + " and " + sep +
                             " must be in the vocabulary");
  spec.single = {special_piece(cls, cls_id, 0), sequence_piece(0, 0),
                 special_piece(sep, sep_id, 0)};
  spec.pair = {special_piece(cls, cls_id, 0), sequence_piece(0, 0), special_piece(sep, sep_id, 0),
               sequence_piece(1, 1), special_piece(sep, sep_id, 1)};

  if (!config.added_tokens.empty()) {
    spec.added_tokens = config.added_tokens;
  } else {
    for (const auto& [key, fallback] : {std::pair{"pad_token", "[PAD]"},
                                        {"unk_token", "[UNK]"},
                                        {"cls_token", "[CLS]"},
                                        {"sep_token", "[SEP]"},
                                        {"mask_token", "[MASK]"}}) {
      std::string content = special_content(config, key, fallback);
      if (int32_t id = id_of(content); id >= 0) {
        spec.added_tokens.push_back(special_token(id, content));
        apply_config_flags(config, spec.added_tokens.back());
      }
    }
  }
  return spec;
}

}  // namespace

TokenizerSpec load_tokenizer_spec(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error(dir.string() + ": not a directory");
  if (auto path = dir / "tokenizer.json"; std::filesystem::exists(path))
    return load_tokenizer_json(path);
  if (auto path = dir / "sentencepiece.bpe.model"; std::filesystem::exists(path))
    return from_sentencepiece(dir, path);
  if (auto path = dir / "vocab.txt"; std::filesystem::exists(path))
    return from_wordpiece_vocab(dir, path);
  throw std::runtime_error(dir.string() +
                           ": no tokenizer.json, sentencepiece.bpe.model or vocab.txt");
}

}  // namespace embed
