#include "tokenizer/unigram.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "tokenizer/utf8.h"

namespace embed::tokenizer {
namespace {

constexpr double kUnkPenalty = 10.0;

struct BestPath {
  double score;
  int32_t start;  // -1: not reached yet
  int32_t id;
};

}  // namespace

Unigram::Unigram(std::vector<std::pair<std::string, double>> vocab, int32_t unk_id)
    : unk_id_(unk_id) {
  if (vocab.empty()) throw std::runtime_error("Unigram: empty vocabulary");
  if (unk_id < 0 || static_cast<size_t>(unk_id) >= vocab.size())
    throw std::runtime_error("Unigram: unk_id " + std::to_string(unk_id) +
                             " is outside the vocabulary of " + std::to_string(vocab.size()));
  pieces_.reserve(vocab.size());
  scores_.reserve(vocab.size());
  std::vector<int32_t> ids(vocab.size());
  double min_score = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < vocab.size(); ++i) {
    pieces_.push_back(std::move(vocab[i].first));
    scores_.push_back(vocab[i].second);
    if (vocab[i].second < min_score) min_score = vocab[i].second;
    ids[i] = static_cast<int32_t>(i);
  }
  unk_score_ = min_score - kUnkPenalty;
  trie_ = ByteTrie(pieces_, ids);
}

std::string Unigram::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return {};
  return pieces_[id];
}

void Unigram::tokenize(std::string_view word, Encoding& out) const {
  const size_t size = word.size();
  thread_local std::vector<BestPath> best;
  best.assign(size + 1, BestPath{0.0, -1, 0});
  size_t start = 0;
  while (start < size) {
    const double base = best[start].score;
    const size_t char_len = utf8_length(static_cast<unsigned char>(word[start]));
    bool has_single = false;
    trie_.for_each_prefix(word.substr(start), [&](size_t length, int32_t id) {
      BestPath& target = best[start + length];
      double candidate = scores_[id] + base;
      if (target.start < 0 || candidate > target.score)
        target = {candidate, static_cast<int32_t>(start), id};
      has_single = has_single || length == char_len;
    });
    if (!has_single) {
      BestPath& target = best[start + char_len];
      double candidate = unk_score_ + base;
      if (target.start < 0 || candidate > target.score)
        target = {candidate, static_cast<int32_t>(start), unk_id_};
    }
    start += char_len;
  }
  // Walk back from the end; runs of <unk> fuse into one token covering their text.
  const size_t first = out.ids.size();
  size_t end = size;
  while (end > 0) {
    const BestPath& node = best[end];
    size_t begin = static_cast<size_t>(node.start);
    if (node.id == unk_id_) {
      while (begin > 0 && best[begin].id == unk_id_) begin = static_cast<size_t>(best[begin].start);
      std::string_view text = word.substr(begin, end - begin);
      // HF looks the fused text up again; it is <unk> unless it happens to be a piece.
      int32_t id = trie_.find(text);
      out.ids.push_back(id >= 0 ? id : unk_id_);
      out.tokens.emplace_back(text);
    } else {
      out.ids.push_back(node.id);
      out.tokens.emplace_back(word.substr(begin, end - begin));
    }
    end = begin;
  }
  std::reverse(out.ids.begin() + first, out.ids.end());
  std::reverse(out.tokens.begin() + first, out.tokens.end());
}

}  // namespace embed::tokenizer
