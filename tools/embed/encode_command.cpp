// `embed encode`: runs the encoder on each input line and prints one JSON object per input.
#include <cstdio>
#include <string>
#include <vector>

#include "engine/model.h"
#include "tools/embed/command.h"
#include "tools/embed/json_writer.h"
#include "tools/embed/jsonl_input.h"

namespace embed::cli {
namespace {

struct EncodeArgs {
  std::string model;
  std::string input = "-";
  std::string output = "tokens";
  size_t batch_tokens = 16384;
};

void run_encode(const EncodeArgs& args) {
  if (args.output != "tokens")
    throw std::runtime_error("--output: unsupported output '" + args.output +
                             "' (supported: tokens)");
  const Model model = Model::load(args.model);
  const auto records = read_jsonl_inputs(args.input);
  std::vector<std::vector<int32_t>> inputs;
  for (const auto& record : records) {
    if (!record.ids)
      throw std::runtime_error(args.input + ":" + std::to_string(record.line) +
                               ": text input needs a tokenizer; give {\"ids\": [...]}");
    inputs.push_back(*record.ids);
  }
  EncodeOptions options;
  options.tokens = true;
  options.batch_tokens = args.batch_tokens;
  const auto results = model.encode_ids(inputs, options);

  std::string line;
  for (const auto& result : results) {
    line.assign("{\"tokens\":[");
    for (size_t r = 0; r < result.tokens.rows; ++r) {
      if (r) line += ',';
      append_float_array(line, result.tokens.row(r), result.tokens.cols);
    }
    line += "]}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
}

}  // namespace

void add_encode_command(CLI::App& app) {
  auto args = std::make_shared<EncodeArgs>();
  CLI::App* cmd = app.add_subcommand("encode", "Embed inputs with a model");
  cmd->add_option("-m,--model", args->model, "Model folder (Hugging Face layout)")->required();
  cmd->add_option("-i,--input", args->input,
                  "JSON Lines input, one {\"ids\": [...]} per line ('-' = stdin)");
  cmd->add_option("-o,--output", args->output, "What to output: tokens (last hidden state)");
  cmd->add_option("--batch-tokens", args->batch_tokens, "Token budget of one forward pass")
      ->check(CLI::PositiveNumber);
  cmd->callback([args] { run_encode(*args); });
}

}  // namespace embed::cli
