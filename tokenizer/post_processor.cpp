#include "tokenizer/post_processor.h"

#include <algorithm>
#include <stdexcept>

namespace embed::tokenizer {
namespace {

size_t count_added(const std::vector<TemplatePiece>& pieces) {
  size_t n = 0;
  for (const auto& p : pieces) n += p.sequence < 0 ? p.ids.size() : 0;
  return n;
}

bool has_sequence(const std::vector<TemplatePiece>& pieces, int sequence) {
  return std::any_of(pieces.begin(), pieces.end(),
                     [&](const TemplatePiece& p) { return p.sequence == sequence; });
}

void resize(Encoding& e, size_t n) {
  if (e.ids.size() <= n) return;
  e.ids.resize(n);
  e.tokens.resize(n);
  if (e.type_ids.size() > n) e.type_ids.resize(n);
}

}  // namespace

TemplateProcessing::TemplateProcessing()
    : single_{TemplatePiece{0, {}, {}, 0}},
      pair_{TemplatePiece{0, {}, {}, 0}, TemplatePiece{1, {}, {}, 1}} {}

TemplateProcessing::TemplateProcessing(std::vector<TemplatePiece> single,
                                       std::vector<TemplatePiece> pair)
    : single_(std::move(single)), pair_(std::move(pair)) {
  if (!has_sequence(single_, 0)) throw std::runtime_error("template `single` has no $A");
  if (!has_sequence(pair_, 0) || !has_sequence(pair_, 1))
    throw std::runtime_error("template `pair` needs both $A and $B");
  for (const auto* pieces : {&single_, &pair_})
    for (const auto& p : *pieces)
      if (p.sequence < 0 && p.ids.size() != p.tokens.size())
        throw std::runtime_error("template special token with mismatched ids and tokens");
  added_single_ = count_added(single_);
  added_pair_ = count_added(pair_);
}

Encoding TemplateProcessing::apply(const Encoding& a, const Encoding* b) const {
  const auto& pieces = b ? pair_ : single_;
  Encoding out;
  size_t total = a.ids.size() + (b ? b->ids.size() : 0) + (b ? added_pair_ : added_single_);
  out.ids.reserve(total);
  out.tokens.reserve(total);
  out.type_ids.reserve(total);
  for (const auto& piece : pieces) {
    if (piece.sequence < 0) {
      out.ids.insert(out.ids.end(), piece.ids.begin(), piece.ids.end());
      out.tokens.insert(out.tokens.end(), piece.tokens.begin(), piece.tokens.end());
      out.type_ids.insert(out.type_ids.end(), piece.ids.size(), piece.type_id);
    } else {
      const Encoding& seq = piece.sequence == 0 ? a : *b;
      out.ids.insert(out.ids.end(), seq.ids.begin(), seq.ids.end());
      out.tokens.insert(out.tokens.end(), seq.tokens.begin(), seq.tokens.end());
      out.type_ids.insert(out.type_ids.end(), seq.ids.size(), piece.type_id);
    }
  }
  return out;
}

void truncate(Encoding& a, Encoding* b, size_t max_length) {
  if (!b) {
    resize(a, max_length);
    return;
  }
  size_t n1 = a.ids.size();
  size_t n2 = b->ids.size();
  if (n1 + n2 <= max_length) return;
  bool swapped = n1 > n2;
  if (swapped) std::swap(n1, n2);
  n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
  if (n1 + n2 > max_length) {
    n1 = max_length / 2;
    n2 = n1 + max_length % 2;
  }
  if (swapped) std::swap(n1, n2);
  resize(a, n1);
  resize(*b, n2);
}

}  // namespace embed::tokenizer
