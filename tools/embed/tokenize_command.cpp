// `embed tokenize`: prints the token ids and token strings of each input, one JSON object per line.
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/tokenizer.h"
#include "tokenizer/utf8.h"
#include "tools/embed/command.h"
#include "tools/embed/jsonl_input.h"

namespace embed::cli {
namespace {

struct TokenizeArgs {
  std::string model;
  std::string input;
  size_t max_length = 0;
  std::vector<std::string> texts;
};

// Names the line of a file holding invalid UTF-8 (the JSON reader would only call it bad JSON).
void check_utf8_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (size_t bad = tokenizer::find_invalid_utf8(line); bad != std::string::npos)
      throw std::runtime_error(path + ":" + std::to_string(number) + ": invalid UTF-8 at byte " +
                               std::to_string(bad + 1));
  }
}

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
    if (input != "-") check_utf8_lines(input);
    const std::string name = input == "-" ? "<stdin>" : input;
    for (const auto& record : read_jsonl_inputs(input)) {
      const std::string where = name + ":" + std::to_string(record.line);
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
                  "JSON Lines input, one {\"text\": \"...\"} per line ('-' = stdin; the default "
                  "when no TEXT is given); printed before the TEXT arguments");
  cmd->add_option("--max-length", args->max_length,
                  "Truncate to N ids, special tokens included (default: no truncation)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("text", args->texts, "Texts to tokenize");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace embed::cli
