#pragma once
// Self-made vocabularies for generated models: special tokens, single characters and a list of
// common English words. Not a trained vocabulary; enough for every text to tokenize.
#include <string>
#include <vector>

namespace embed::tools {

// WordPiece vocab.txt lines: [PAD] [UNK] [CLS] [SEP] [MASK], words, characters, ##characters.
std::vector<std::string> wordpiece_vocabulary();

// Unigram pieces with log-probability scores (fairseq order: <s> <pad> </s> <unk> first,
// <mask> last), padded with filler pieces up to `size` entries.
struct UnigramPiece {
  std::string piece;
  double score;
};
std::vector<UnigramPiece> unigram_vocabulary(size_t size);

}  // namespace embed::tools
