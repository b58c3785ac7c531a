// `embed encode`: embeds each input and prints one JSON object per input, in order (JSON Lines),
// or writes the dense matrix as .npy plus a sidecar JSON.
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/model.h"
#include "tools/embed/command.h"
#include "tools/embed/count_option.h"
#include "tools/embed/json_writer.h"
#include "tools/embed/jsonl_input.h"
#include "tools/embed/model_options.h"
#include "tools/embed/npy_writer.h"
#include "tools/embed/output_list.h"
#include "tools/embed/progress_bar.h"

namespace embed::cli {
namespace {

// Inputs are encoded in chunks so output streams out and memory stays bounded.
constexpr size_t kChunkInputs = 256;

struct EncodeArgs {
  ModelArgs model;
  std::string input;
  std::vector<std::string> texts;
  bool lines = false;
  std::string outputs = "dense";  // comma-separated
  size_t max_length = 0;
  size_t batch_tokens = 16384;
  bool no_normalize = false;
  bool sparse_tokens = false;
  std::string format = "jsonl";
  std::string out;
};

struct Request {
  std::string where;  // names the input in errors: "<file>:<line>" or "TEXT argument <n>"
  std::optional<std::string> text;
  std::optional<std::vector<int32_t>> ids;
};

std::vector<Request> collect_requests(const EncodeArgs& args) {
  std::vector<Request> requests;
  const std::string input = args.input.empty() && args.texts.empty() ? "-" : args.input;
  if (!input.empty()) {
    for (auto& record : args.lines ? read_text_lines(input) : read_jsonl_inputs(input))
      requests.push_back({input_name(input) + ":" + std::to_string(record.line),
                          std::move(record.text), std::move(record.ids)});
  }
  for (size_t i = 0; i < args.texts.size(); ++i)
    requests.push_back({"TEXT argument " + std::to_string(i + 1), args.texts[i], {}});
  return requests;
}

EncodeOptions encode_options(const EncodeArgs& args, const ModelInfo& info) {
  EncodeOptions options;
  set_outputs(args.outputs, info, options);
  options.max_length = args.max_length;
  options.batch_tokens = args.batch_tokens;
  options.normalize = !args.no_normalize;
  return options;
}

void append_matrix(std::string& line, const Matrix& matrix) {
  line += '[';
  for (size_t r = 0; r < matrix.rows; ++r) {
    if (r) line += ',';
    append_float_array(line, matrix.row(r), matrix.cols);
  }
  line += ']';
}

std::string json_line(const Embedding& embedding, const EncodeOptions& options, const Model& model,
                      bool sparse_tokens) {
  std::string line = "{";
  const auto key = [&](const char* name) {
    if (line.size() > 1) line += ',';
    line += '"';
    line += name;
    line += "\":";
  };
  if (options.dense) {
    key("dense");
    append_float_array(line, embedding.dense.data(), embedding.dense.size());
  }
  if (options.sparse) {
    key("sparse");
    line += '{';
    for (size_t i = 0; i < embedding.sparse.size(); ++i) {
      if (i) line += ',';
      line += '"' + std::to_string(embedding.sparse[i].token_id) + "\":";
      append_float(line, embedding.sparse[i].weight);
    }
    line += '}';
    if (sparse_tokens) {
      nlohmann::json tokens = nlohmann::json::object();
      for (const auto& [id, weight] : embedding.sparse) {
        // As FlagEmbedding shows them (tokenizer.decode([id])): without the word-start marker.
        std::string token = model.tokenizer().id_to_token(id);
        if (token.starts_with("\u2581")) token.erase(0, 3);
        tokens[std::to_string(id)] = token;
      }
      key("sparse_tokens");
      line += tokens.dump();
    }
  }
  if (options.colbert) {
    key("colbert");
    append_matrix(line, embedding.colbert);
  }
  if (options.tokens) {
    key("tokens");
    append_matrix(line, embedding.tokens);
  }
  return line + "}\n";
}

void write_sidecar(const std::filesystem::path& path, const EncodeArgs& args, const Model& model,
                   size_t count) {
  const ModelInfo& info = model.info();
  std::ofstream out(path);
  out << nlohmann::ordered_json{{"model", args.model.model},
                                {"dim", info.output_dim},
                                {"count", count},
                                {"normalized", info.normalize && !args.no_normalize},
                                {"space_id", model.space_id()}}
             .dump(2)
      << "\n";
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

void run_encode(const EncodeArgs& args) {
  if (args.format == "npy" && args.out.empty())
    throw std::runtime_error("--format npy needs --out PATH");
  if (args.format == "npy" && args.outputs != "dense")
    throw std::runtime_error("--format npy writes dense vectors only; use --output dense");

  const Model model = load_model(args.model);
  const EncodeOptions options = encode_options(args, model.info());
  const auto requests = collect_requests(args);

  std::FILE* sink = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (args.format == "jsonl" && !args.out.empty()) {
    file.reset(std::fopen(args.out.c_str(), "wb"));
    if (!file) throw std::runtime_error(args.out + ": cannot create output file");
    sink = file.get();
  }

  ProgressBar progress(requests.size(), !args.input.empty() && args.input != "-");
  std::vector<float> dense_matrix;
  for (size_t begin = 0; begin < requests.size(); begin += kChunkInputs) {
    const size_t end = std::min(requests.size(), begin + kChunkInputs);
    std::vector<std::vector<int32_t>> ids;
    for (size_t i = begin; i < end; ++i) {
      const Request& request = requests[i];
      try {
        ids.push_back(request.ids ? *request.ids
                                  : model.tokenize(*request.text, args.max_length).ids);
      } catch (const std::exception& e) {
        throw std::runtime_error(request.where + ": " + e.what());
      }
    }
    std::vector<Embedding> results;
    try {
      results = model.encode_ids(ids, options);
    } catch (const InputError& e) {
      throw std::runtime_error(requests[begin + e.index()].where + ": " + e.problem());
    }
    for (const auto& embedding : results) {
      if (args.format == "npy") {
        dense_matrix.insert(dense_matrix.end(), embedding.dense.begin(), embedding.dense.end());
      } else {
        const std::string line = json_line(embedding, options, model, args.sparse_tokens);
        if (std::fwrite(line.data(), 1, line.size(), sink) != line.size())
          throw std::runtime_error("cannot write output");
      }
    }
    progress.advance(end);
  }
  if (args.format == "npy") {
    const size_t dim = model.info().output_dim;
    write_npy(args.out, dense_matrix.data(), requests.size(), dim);
    write_sidecar(args.out + ".json", args, model, requests.size());
  }
}

}  // namespace

void add_encode_command(CLI::App& app) {
  auto args = std::make_shared<EncodeArgs>();
  CLI::App* cmd = app.add_subcommand("encode", "Embed texts or token ids");
  add_model_options(cmd, args->model);
  cmd->add_option("TEXT", args->texts, "Texts to embed (after the --input ones)");
  cmd->add_option("-i,--input", args->input,
                  "Input file ('-' = stdin, the default without TEXT): JSON Lines of "
                  "{\"text\": ...} or {\"ids\": [...]} (ids used as given, specials included)");
  cmd->add_flag("--lines", args->lines, kLinesFlagHelp);
  cmd->add_option("-o,--output", args->outputs, kOutputListHelp)->capture_default_str();
  cmd->add_option("--max-length", args->max_length,
                  "Truncate texts to N tokens, specials included (default: the model's limit)")
      ->check(kPositiveCount);
  cmd->add_option("--batch-tokens", args->batch_tokens, "Token budget of one forward pass")
      ->check(kPositiveCount)
      ->capture_default_str();
  cmd->add_flag("--no-normalize", args->no_normalize,
                "Skip the model's normalisation of dense vectors");
  cmd->add_flag("--sparse-tokens", args->sparse_tokens,
                "Add \"sparse_tokens\": {\"<token id>\": \"<token>\"} next to sparse weights");
  cmd->add_option("--format", args->format,
                  "jsonl: one JSON object per input; npy: dense matrix as .npy at --out, with "
                  "a sidecar <out>.json (model, dim, count, space id)")
      ->check(CLI::IsMember({"jsonl", "npy"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Output file (default for jsonl: stdout)");
  cmd->callback([args] { run_encode(*args); });
}

}  // namespace embed::cli
