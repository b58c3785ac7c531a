#include "engine/space_id.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "engine/pooling.h"

namespace embed {

std::string compute_space_id(const ModelConfig& config, const Checkpoint& checkpoint,
                             const BgeM3Heads& heads, PoolingMode pooling, bool normalize) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  XXH3_128bits_reset(state.get());
  const auto add = [&](const void* data, size_t size) {
    XXH3_128bits_update(state.get(), data, size);
  };
  const std::string header = config.model_type + "/" + std::to_string(config.hidden_size) + "/" +
                             std::to_string(config.num_hidden_layers) + "/" +
                             config.hidden_act_name + "/" + pooling_name(pooling) +
                             (normalize ? "/l2" : "/raw");
  add(header.data(), header.size() + 1);

  // Sorted by name so the id does not depend on file order or sharding.
  auto tensors = checkpoint.tensors();
  std::sort(tensors.begin(), tensors.end(),
            [](const TensorView* a, const TensorView* b) { return a->name < b->name; });
  for (const TensorView* tensor : tensors) {
    add(tensor->name.data(), tensor->name.size() + 1);
    add(tensor->data, tensor->nbytes);
  }
  for (const auto& [name, head] : heads.dense_heads()) {
    add(head->weight.data(), head->weight.size() * sizeof(float));
    add(head->bias.data(), head->bias.size() * sizeof(float));
  }

  const XXH128_hash_t hash = XXH3_128bits_digest(state.get());
  char hex[33];
  std::snprintf(hex, sizeof(hex), "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return config.model_type + "-" + std::to_string(config.hidden_size) + "-" +
         pooling_name(pooling) + (normalize ? "-l2-" : "-") + hex;
}

}  // namespace embed
