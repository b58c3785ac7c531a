#pragma once
// The vector-space id: a stable hash of what decides where vectors land (architecture and
// shape, every weight byte, pooling, normalisation). A vector store can refuse vectors whose id
// differs from its own. Computed on demand: it reads every weight once.
#include <span>
#include <string>

#include "engine/bge_m3_heads.h"
#include "loaders/checkpoint.h"
#include "loaders/model_config.h"
#include "loaders/sentence_transformers.h"

namespace embed {

// Safetensors metadata key under which `embed quantize` records the source model's space id.
inline constexpr const char* kSourceSpaceIdKey = "embed.source_space_id";

// "<model_type>-<hidden>-<pooling>[-l2]-<32 hex digits of XXH3-128>"
std::string compute_space_id(const ModelConfig& config, const Checkpoint& checkpoint,
                             const BgeM3Heads& heads, PoolingMode pooling, bool normalize);

}  // namespace embed
