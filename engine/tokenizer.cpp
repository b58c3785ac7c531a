#include "engine/tokenizer.h"

#include <stdexcept>

#include "loaders/tokenizer_spec.h"
#include "tokenizer/bert_normalizer.h"
#include "tokenizer/bert_pre_tokenizer.h"
#include "tokenizer/metaspace.h"
#include "tokenizer/pipeline.h"
#include "tokenizer/precompiled_charsmap.h"
#include "tokenizer/replace.h"
#include "tokenizer/strip.h"
#include "tokenizer/unigram.h"
#include "tokenizer/wordpiece.h"

namespace embed {
namespace {

std::unique_ptr<tokenizer::Normalizer> make_normalizer(const TokenizerNormalizerSpec& n) {
  using Kind = TokenizerNormalizerSpec::Kind;
  switch (n.kind) {
    case Kind::kBert:
      return std::make_unique<tokenizer::BertNormalizer>(
          tokenizer::BertNormalizer::Options{n.clean_text, n.handle_chinese_chars,
                                             n.strip_accents.value_or(n.lowercase), n.lowercase});
    case Kind::kPrecompiled:
      return std::make_unique<tokenizer::PrecompiledCharsmap>(n.precompiled_charsmap);
    case Kind::kStrip:
      return std::make_unique<tokenizer::Strip>(n.strip_left, n.strip_right);
    case Kind::kReplace:
      return std::make_unique<tokenizer::Replace>(n.pattern, n.pattern_is_regex, n.content);
  }
  throw std::runtime_error("unknown normalizer kind");
}

std::unique_ptr<tokenizer::PreTokenizer> make_pre_tokenizer(const TokenizerPreTokenizerSpec& p) {
  using Kind = TokenizerPreTokenizerSpec::Kind;
  if (p.kind == Kind::kBert) return std::make_unique<tokenizer::BertPreTokenizer>();
  if (p.kind == Kind::kMetaspace) {
    using Scheme = tokenizer::Metaspace::PrependScheme;
    Scheme scheme = p.prepend_scheme == "first"   ? Scheme::kFirst
                    : p.prepend_scheme == "never" ? Scheme::kNever
                                                  : Scheme::kAlways;
    return std::make_unique<tokenizer::Metaspace>(p.replacement, scheme, p.split);
  }
  return nullptr;
}

std::unique_ptr<tokenizer::Model> make_model(const TokenizerModelSpec& m) {
  if (m.kind == TokenizerModelSpec::Kind::kUnigram)
    return std::make_unique<tokenizer::Unigram>(m.unigram_vocab, m.unk_id);
  return std::make_unique<tokenizer::WordPiece>(
      m.wordpiece_vocab, m.unk_token, m.continuing_subword_prefix, m.max_input_chars_per_word);
}

std::vector<tokenizer::TemplatePiece> make_template(
    const std::vector<TokenizerTemplatePieceSpec>& pieces) {
  std::vector<tokenizer::TemplatePiece> out;
  for (const auto& p : pieces) out.push_back({p.sequence, p.ids, p.tokens, p.type_id});
  return out;
}

}  // namespace

Tokenizer Tokenizer::load(const std::filesystem::path& dir) {
  TokenizerSpec spec = load_tokenizer_spec(dir);
  Tokenizer t;
  try {
    std::vector<std::unique_ptr<tokenizer::Normalizer>> normalizers;
    for (const auto& n : spec.normalizers) normalizers.push_back(make_normalizer(n));
    std::vector<tokenizer::AddedToken> added;
    for (const auto& a : spec.added_tokens)
      added.push_back(
          {a.id, a.content, a.single_word, a.lstrip, a.rstrip, a.normalized, a.special});
    tokenizer::TemplateProcessing post;
    if (!spec.single.empty() || !spec.pair.empty())
      post = tokenizer::TemplateProcessing(make_template(spec.single), make_template(spec.pair));
    t.pipeline_ = std::make_shared<const tokenizer::Pipeline>(
        std::move(normalizers), make_pre_tokenizer(spec.pre_tokenizer), make_model(spec.model),
        std::move(added), std::move(post));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(spec.source.string() + ": " + e.what());
  }
  // [CLS]/<s> and [SEP]/</s> open and close the single-sequence template.
  if (!spec.single.empty()) {
    const auto& first = spec.single.front();
    const auto& last = spec.single.back();
    if (first.sequence < 0 && !first.ids.empty()) t.special_.cls_or_bos = first.ids.front();
    if (last.sequence < 0 && !last.ids.empty()) t.special_.sep_or_eos = last.ids.back();
  }
  for (const char* pad : {"<pad>", "[PAD]"})
    if (t.special_.pad < 0) t.special_.pad = t.pipeline_->token_to_id(pad);
  t.special_.unk = spec.model.kind == TokenizerModelSpec::Kind::kUnigram
                       ? spec.model.unk_id
                       : t.pipeline_->token_to_id(spec.model.unk_token);
  return t;
}

Encoding Tokenizer::encode(std::string_view text, size_t max_length) const {
  return pipeline_->encode(text, max_length);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, size_t max_length) const {
  return pipeline_->encode_pair(a, b, max_length);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  return pipeline_->id_to_token(id);
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  return pipeline_->token_to_id(token);
}

size_t Tokenizer::vocab_size() const {
  return pipeline_->vocab_size();
}

size_t Tokenizer::num_special_tokens_added(bool pair) const {
  return pipeline_->added_tokens(pair);
}

}  // namespace embed
