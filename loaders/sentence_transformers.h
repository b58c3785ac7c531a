#pragma once
// The sentence-transformers files of a model folder: modules.json, the Pooling module's
// config.json, a Normalize module, and sentence_bert_config.json's max_seq_length.
#include <filesystem>
#include <optional>

namespace embed {

enum class PoolingMode { Cls, Mean, Max, LastToken };

struct SentenceTransformersConfig {
  PoolingMode pooling = PoolingMode::Cls;
  bool normalize = false;
  int max_seq_length = 0;  // 0 when not given
};

// nullopt when the folder has no modules.json (not a sentence-transformers folder).
std::optional<SentenceTransformersConfig> load_sentence_transformers_config(
    const std::filesystem::path& model_dir);

}  // namespace embed
