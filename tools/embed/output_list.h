#pragma once
// The `--output` list that `encode` and `bench` share: which results a call computes.
#include <string>

#include "engine/model.h"

namespace embed::cli {

inline constexpr const char* kOutputListHelp =
    "Comma-separated outputs: dense, sparse, colbert (BGE-M3 heads), tokens (last hidden state)";

// Sets options' dense, sparse, colbert and tokens from a list such as "dense,sparse". Throws
// std::runtime_error naming the option for an empty list, an unknown output or a head the model
// lacks.
void set_outputs(const std::string& list, const ModelInfo& info, EncodeOptions& options);

}  // namespace embed::cli
