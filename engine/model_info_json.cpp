#include <nlohmann/json.hpp>

#include "engine/model.h"
#include "engine/pooling.h"

namespace embed {

std::string info_json(const Model& model) {
  const ModelInfo& info = model.info();
  nlohmann::ordered_json outputs = {"dense", "tokens"};
  if (info.has_sparse) outputs.push_back("sparse");
  if (info.has_colbert) outputs.push_back("colbert");
  return nlohmann::ordered_json{{"path", info.path.string()},
                                {"architecture", info.architecture},
                                {"hidden_size", info.hidden_size},
                                {"num_layers", info.num_layers},
                                {"num_heads", info.num_heads},
                                {"vocab_size", info.vocab_size},
                                {"max_length", info.max_length},
                                {"output_dim", info.output_dim},
                                {"pooling", pooling_name(info.pooling)},
                                {"normalize", info.normalize},
                                {"outputs", outputs},
                                {"has_sparse", info.has_sparse},
                                {"has_colbert", info.has_colbert},
                                {"weight_dtype", info.weight_dtype},
                                {"compute_dtype", info.compute_dtype},
                                {"parameter_count", info.parameter_count},
                                {"space_id", model.space_id()},
                                {"quantized", info.quantized}}
      .dump(2);
}

}  // namespace embed
