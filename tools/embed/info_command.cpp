// `embed info`: the model's description as JSON.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/pooling.h"
#include "tools/embed/command.h"
#include "tools/embed/model_options.h"

namespace embed::cli {
namespace {

void run_info(const ModelArgs& args) {
  const Model model = load_model(args);
  const ModelInfo& info = model.info();
  nlohmann::ordered_json outputs = {"dense", "tokens"};
  if (info.has_sparse) outputs.push_back("sparse");
  if (info.has_colbert) outputs.push_back("colbert");
  const nlohmann::ordered_json json{
      {"path", info.path.string()},
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
      {"weight_dtype", info.weight_dtype},
      {"compute_dtype", info.compute_dtype},
      {"parameters", info.parameter_count},
      {"space_id", info.space_id},
      {"quantized", info.quantized},
  };
  std::printf("%s\n", json.dump(2).c_str());
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto args = std::make_shared<ModelArgs>();
  CLI::App* cmd = app.add_subcommand("info",
                                     "Describe a model as JSON (shape, pooling, outputs, "
                                     "dtype, parameter count, vector-space id)");
  add_model_options(cmd, *args);
  cmd->callback([args] { run_info(*args); });
}

}  // namespace embed::cli
