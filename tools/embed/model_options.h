#pragma once
// Options every model-running subcommand shares: which model, how many threads, compute dtype.
#include <CLI/CLI.hpp>
#include <string>

#include "engine/model.h"

namespace embed::cli {

struct ModelArgs {
  std::string model;
  int threads = 0;
  std::string dtype = "auto";
};

void add_model_options(CLI::App* cmd, ModelArgs& args);

// Sets the thread count (OpenMP, shared by oneDNN and our kernels) and loads the model.
Model load_model(const ModelArgs& args);

}  // namespace embed::cli
