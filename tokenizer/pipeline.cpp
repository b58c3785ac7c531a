#include "tokenizer/pipeline.h"

#include <stdexcept>

#include "tokenizer/utf8.h"

namespace embed::tokenizer {

Pipeline::Pipeline(std::vector<std::unique_ptr<Normalizer>> normalizers,
                   std::unique_ptr<PreTokenizer> pre_tokenizer, std::unique_ptr<Model> model,
                   std::vector<AddedToken> added_tokens, TemplateProcessing post_processor)
    : normalizers_(std::move(normalizers)),
      pre_tokenizer_(std::move(pre_tokenizer)),
      model_(std::move(model)),
      post_processor_(std::move(post_processor)) {
  if (!model_) throw std::runtime_error("tokenizer pipeline without a model");
  added_ = AddedTokens(std::move(added_tokens), [this](std::string_view text) {
    std::string a, b;
    return std::string(normalize(text, a, b));
  });
}

std::string_view Pipeline::normalize(std::string_view in, std::string& a, std::string& b) const {
  std::string_view current = in;
  std::string* buffers[2] = {&a, &b};
  int next = 0;
  for (const auto& normalizer : normalizers_) {
    normalizer->normalize(current, *buffers[next]);
    current = *buffers[next];
    next ^= 1;
  }
  return current;
}

void Pipeline::tokenize_piece(std::string_view text, bool at_input_start, Encoding& out) const {
  if (text.empty()) return;
  if (!pre_tokenizer_) {
    model_->tokenize(text, out);
    return;
  }
  thread_local std::vector<std::string_view> words;
  thread_local std::string scratch;
  words.clear();
  pre_tokenizer_->split(text, at_input_start, scratch, words);
  for (std::string_view word : words)
    if (!word.empty()) model_->tokenize(word, out);
}

void Pipeline::tokenize(std::string_view text, Encoding& out) const {
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos)
    throw std::runtime_error("input text is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  std::vector<AddedTokens::Piece> pieces;
  std::vector<AddedTokens::Piece> sub_pieces;
  std::string buffer_a, buffer_b;
  added_.split(text, false, pieces);
  for (const auto& piece : pieces) {
    std::string_view raw = text.substr(piece.begin, piece.end - piece.begin);
    if (piece.token >= 0) {
      out.ids.push_back(added_.tokens()[piece.token].id);
      out.tokens.emplace_back(raw);
      continue;
    }
    std::string_view normalized = normalize(raw, buffer_a, buffer_b);
    if (!added_.has(true)) {
      tokenize_piece(normalized, piece.begin == 0, out);
      continue;
    }
    sub_pieces.clear();
    added_.split(normalized, true, sub_pieces);
    for (const auto& sub : sub_pieces) {
      std::string_view part = normalized.substr(sub.begin, sub.end - sub.begin);
      if (sub.token >= 0) {
        out.ids.push_back(added_.tokens()[sub.token].id);
        out.tokens.emplace_back(part);
      } else {
        tokenize_piece(part, piece.begin == 0 && sub.begin == 0, out);
      }
    }
  }
}

void Pipeline::finish(Encoding& a, Encoding* b, size_t max_length) const {
  if (max_length == 0) return;
  size_t added = post_processor_.added_tokens(b != nullptr);
  if (max_length < added)
    throw std::runtime_error("max_length " + std::to_string(max_length) + " cannot hold the " +
                             std::to_string(added) + " special tokens");
  truncate(a, b, max_length - added);
}

Encoding Pipeline::encode(std::string_view text, size_t max_length) const {
  Encoding a;
  tokenize(text, a);
  finish(a, nullptr, max_length);
  return post_processor_.apply(a, nullptr);
}

Encoding Pipeline::encode_pair(std::string_view text_a, std::string_view text_b,
                               size_t max_length) const {
  Encoding a, b;
  tokenize(text_a, a);
  tokenize(text_b, b);
  finish(a, &b, max_length);
  return post_processor_.apply(a, &b);
}

int32_t Pipeline::token_to_id(std::string_view token) const {
  for (const auto& t : added_.tokens())
    if (t.content == token) return t.id;
  return model_->token_to_id(token);
}

std::string Pipeline::id_to_token(int32_t id) const {
  for (const auto& t : added_.tokens())
    if (t.id == id) return t.content;
  return model_->id_to_token(id);
}

size_t Pipeline::vocab_size() const {
  size_t size = model_->vocab_size();
  for (const auto& t : added_.tokens())
    if (t.id >= 0 && static_cast<size_t>(t.id) >= size) size = static_cast<size_t>(t.id) + 1;
  return size;
}

}  // namespace embed::tokenizer
