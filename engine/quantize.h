#pragma once
// `embed quantize`: writes an INT8 copy of a model folder that every command loads like the
// original. Format (safetensors, documented in the README):
//   - each encoder linear weight `<name>` [out][in] as I8, with `<name>_scale` F32 [out]:
//     symmetric per output channel, W ≈ q · scale, scale = max|row| / 127;
//   - `embeddings.word_embeddings.weight` as I8 with a F32 scale per row (token);
//   - everything else (position / token-type embeddings, LayerNorms, biases) F32; pooler and
//     LM-head tensors and int64 id buffers dropped; BGE-M3 heads written as F32
//     `<head>.safetensors`;
//   - header metadata: embed.quantization, embed.tool_version, embed.source_space_id.
// Tokenizer, config and sentence-transformers files are copied.
#include <filesystem>
#include <string>

namespace embed {

struct QuantizeReport {
  std::string source_space_id;
  uintmax_t source_bytes = 0;  // weight files of the source folder
  uintmax_t output_bytes = 0;  // weight files written
};

QuantizeReport quantize_model(const std::string& source, const std::filesystem::path& destination);

inline constexpr const char* kQuantizationScheme = "int8-symmetric-per-output-channel";

}  // namespace embed
