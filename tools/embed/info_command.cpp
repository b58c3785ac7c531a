// `embed info`: the model's description as JSON.
#include <cstdio>
#include <memory>

#include "tools/embed/command.h"
#include "tools/embed/model_options.h"

namespace embed::cli {
namespace {

void run_info(const ModelArgs& args) {
  const Model model = load_model(args);
  std::printf("%s\n", info_json(model).c_str());
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
