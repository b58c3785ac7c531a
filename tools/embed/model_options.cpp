#include "tools/embed/model_options.h"

#include <omp.h>

#include "tools/embed/count_option.h"

namespace embed::cli {

void add_model_options(CLI::App* cmd, ModelArgs& args) {
  cmd->add_option("-m,--model", args.model,
                  "Model folder (Hugging Face layout) or ORG/NAME from the Hugging Face cache")
      ->required();
  cmd->add_option("-t,--threads", args.threads, "Threads for all compute (default: all cores)")
      ->check(kPositiveCount);
  cmd->add_option("--dtype", args.dtype,
                  "Compute type: auto (f32, or int8 for quantized folders), fp32 or bf16")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}))
      ->capture_default_str();
}

Model load_model(const ModelArgs& args) {
  if (args.threads > 0) omp_set_num_threads(args.threads);
  LoadOptions options;
  if (args.dtype == "fp32") options.compute = ComputeType::F32;
  if (args.dtype == "bf16") options.compute = ComputeType::BF16;
  return Model::load(args.model, options);
}

}  // namespace embed::cli
