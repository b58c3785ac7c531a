// `embed tokenize`: prints the token ids and token strings of each input, one JSON object per line.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/tokenizer.h"
#include "tools/embed/command.h"
#include "tools/embed/count_option.h"
#include "tools/embed/jsonl_input.h"

namespace embed::cli {
namespace {

struct TokenizeArgs {
  std::string model;
  std::string input;
  bool lines = false;
  size_t max_length = 0;
  std::vector<std::string> texts;
};

void print(const Encoding& encoding) {
  nlohmann::json line{{"ids", encoding.ids}, {"tokens", encoding.tokens}};
  std::string text = line.dump();
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void run_tokenize(const TokenizeArgs& args) {
  const Tokenizer tokenizer = Tokenizer::load(args.model);
  const std::string input = args.input.empty() && args.texts.empty() ? "-" : args.input;
  if (!input.empty()) {
    for (const auto& record : args.lines ? read_text_lines(input) : read_jsonl_inputs(input)) {
      const std::string where = input_name(input) + ":" + std::to_string(record.line);
      if (!record.text) throw std::runtime_error(where + ": expected {\"text\": ...}");
      try {
        print(tokenizer.encode(*record.text, args.max_length));
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(where + ": " + e.what());
      }
    }
  }
  for (size_t i = 0; i < args.texts.size(); ++i) {
    try {
      print(tokenizer.encode(args.texts[i], args.max_length));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error("TEXT argument " + std::to_string(i + 1) + ": " + e.what());
    }
  }
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Print {\"ids\": [...], \"tokens\": [...]} for each input (special tokens added)");
  cmd->add_option("-m,--model", args->model,
                  "Model folder, or a folder holding only tokenizer files")
      ->required();
  cmd->add_option("-i,--input", args->input,
                  "JSON Lines input, one {\"text\": \"...\"} per line, or raw texts with --lines "
                  "('-' = stdin; the default when no TEXT is given); printed before the TEXT "
                  "arguments");
  cmd->add_flag("--lines", args->lines, kLinesFlagHelp);
  cmd->add_option("--max-length", args->max_length,
                  "Truncate to N ids, special tokens included (default: no truncation)")
      ->check(kPositiveCount);
  cmd->add_option("text", args->texts, "Texts to tokenize");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace embed::cli
