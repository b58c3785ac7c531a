// `embed quantize`: writes an INT8 copy of a model folder (format: engine/quantize.h, README).
#include <cstdio>
#include <memory>
#include <string>

#include "engine/quantize.h"
#include "tools/embed/command.h"

namespace embed::cli {
namespace {

struct QuantizeArgs {
  std::string model;
  std::string out;
  std::string type = "int8";
};

void run_quantize(const QuantizeArgs& args) {
  const QuantizeReport report = quantize_model(args.model, args.out);
  std::fprintf(stderr, "wrote %s: weights %.1f MB -> %.1f MB (%.1f%%), space id %s\n",
               args.out.c_str(), report.source_bytes / 1e6, report.output_bytes / 1e6,
               100.0 * static_cast<double>(report.output_bytes) /
                   static_cast<double>(std::max<uintmax_t>(report.source_bytes, 1)),
               report.source_space_id.c_str());
}

}  // namespace

void add_quantize_command(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Write an INT8 copy of a model folder that every command loads like the original");
  cmd->add_option("-m,--model", args->model, "Source model folder or ORG/NAME")->required();
  cmd->add_option("--out", args->out, "Output folder: a new or empty one")->required();
  cmd->add_option("--type", args->type, "Quantization type")
      ->check(CLI::IsMember({"int8"}))
      ->capture_default_str();
  cmd->callback([args] { run_quantize(*args); });
}

}  // namespace embed::cli
