#pragma once
// A tokenizer described as plain data: the pipeline a HF tokenizer.json defines (normalizers,
// pre-tokenizer, model, post-processor, added tokens). tokenizer.json is read into it directly;
// sentencepiece.bpe.model and vocab.txt (+ tokenizer_config.json) are turned into the description
// HF's slow→fast converters (transformers v4.41.2) would write for them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace embed {

struct TokenizerAddedTokenSpec {
  int32_t id = -1;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = true;
};

struct TokenizerNormalizerSpec {
  enum class Kind { kBert, kPrecompiled, kStrip, kReplace };
  Kind kind = Kind::kBert;
  // kBert
  bool clean_text = true;
  bool handle_chinese_chars = true;
  std::optional<bool> strip_accents;  // absent: follows lowercase
  bool lowercase = true;
  // kPrecompiled
  std::vector<uint8_t> precompiled_charsmap;
  // kStrip
  bool strip_left = false;
  bool strip_right = false;
  // kReplace
  std::string pattern;
  bool pattern_is_regex = false;
  std::string content;
};

struct TokenizerPreTokenizerSpec {
  enum class Kind { kNone, kBert, kMetaspace };
  Kind kind = Kind::kNone;
  std::string replacement = "\xE2\x96\x81";  // U+2581
  std::string prepend_scheme = "always";     // always | first | never
  bool split = true;
};

struct TokenizerModelSpec {
  enum class Kind { kUnigram, kWordPiece };
  Kind kind = Kind::kUnigram;
  // kUnigram: (piece, score) in id order
  std::vector<std::pair<std::string, double>> unigram_vocab;
  int32_t unk_id = -1;
  // kWordPiece: token of each id
  std::vector<std::string> wordpiece_vocab;
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

struct TokenizerTemplatePieceSpec {
  int sequence = -1;  // 0 = $A, 1 = $B, -1 = special token
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  int32_t type_id = 0;
};

struct TokenizerSpec {
  std::filesystem::path source;  // the file the description came from, for error messages
  std::vector<TokenizerAddedTokenSpec> added_tokens;
  std::vector<TokenizerNormalizerSpec> normalizers;
  TokenizerPreTokenizerSpec pre_tokenizer;
  TokenizerModelSpec model;
  // Empty single/pair: no post-processor (nothing added).
  std::vector<TokenizerTemplatePieceSpec> single;
  std::vector<TokenizerTemplatePieceSpec> pair;
};

// Reads the tokenizer of a model folder (or a folder holding only tokenizer files):
// tokenizer.json, else sentencepiece.bpe.model (XLM-R id mapping), else vocab.txt
// (BERT WordPiece; options from tokenizer_config.json). Throws std::runtime_error naming the file
// and field.
TokenizerSpec load_tokenizer_spec(const std::filesystem::path& dir);

}  // namespace embed
