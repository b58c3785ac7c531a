#pragma once
// Reader of a sentencepiece model file (ModelProto protobuf, e.g. XLM-R's sentencepiece.bpe.model),
// decoded here without protobuf: the pieces with scores and types, the model type and special ids
// of the trainer spec, and the normalizer spec with its precompiled charsmap.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace embed {

struct SentencePiece {
  enum Type { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };
  std::string piece;
  float score = 0.0f;
  int type = kNormal;
};

struct SentencePieceModel {
  std::vector<SentencePiece> pieces;
  int model_type = 1;  // 1 unigram, 2 bpe, 3 word, 4 char
  int unk_id = 0;
  int bos_id = 1;
  int eos_id = 2;
  int pad_id = -1;
  bool byte_fallback = false;
  // normalizer_spec
  std::string normalizer_name;
  std::vector<uint8_t> precompiled_charsmap;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

// Throws std::runtime_error naming the file and the malformed field.
SentencePieceModel load_sentencepiece_model(const std::filesystem::path& path);
SentencePieceModel parse_sentencepiece_model(std::string_view bytes,
                                             const std::filesystem::path& source);

}  // namespace embed
