// `embed score`: dense, lexical (sparse), ColBERT and combined scores of one query/passage pair,
// as FlagEmbedding's compute_score defines them.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/scores.h"
#include "tools/embed/command.h"
#include "tools/embed/count_option.h"
#include "tools/embed/model_options.h"

namespace embed::cli {
namespace {

struct ScoreArgs {
  ModelArgs model;
  std::string query;
  std::string passage;
  std::vector<double> weights{0.4, 0.2, 0.4};
  size_t max_length = 0;
};

void run_score(const ScoreArgs& args) {
  if (args.weights.size() != 3)
    throw std::runtime_error("--weights: expected three numbers: dense,sparse,colbert");
  const Model model = load_model(args.model);
  const ModelInfo& info = model.info();
  EncodeOptions options;
  options.sparse = info.has_sparse;
  options.colbert = info.has_colbert;
  options.max_length = args.max_length;
  const std::vector<std::string> texts{args.query, args.passage};
  const auto results = model.encode(texts, options);

  // A head the model lacks takes no part in the combination.
  const ScoreWeights weights{float(args.weights[0]),
                             info.has_sparse ? float(args.weights[1]) : 0.0f,
                             info.has_colbert ? float(args.weights[2]) : 0.0f};
  const Scores scores = score(results[0], results[1], weights);
  nlohmann::ordered_json json{{"dense", scores.dense}};
  if (info.has_sparse) json["sparse"] = scores.sparse;
  if (info.has_colbert) json["colbert"] = scores.colbert;
  json["combined"] = scores.combined;
  json["weights"] = {args.weights[0], info.has_sparse ? args.weights[1] : 0.0,
                     info.has_colbert ? args.weights[2] : 0.0};
  std::printf("%s\n", json.dump().c_str());
}

}  // namespace

void add_score_command(CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "score", "Score a query against a passage: dense, sparse, colbert and combined");
  add_model_options(cmd, args->model);
  cmd->add_option("-q,--query", args->query, "Query text")->required();
  cmd->add_option("-p,--passage", args->passage, "Passage text")->required();
  cmd->add_option("--weights", args->weights,
                  "Weights of dense,sparse,colbert in the combined score")
      ->delimiter(',')
      ->expected(3)
      ->capture_default_str();
  cmd->add_option("--max-length", args->max_length,
                  "Truncate both texts to N tokens (default: the model's limit)")
      ->check(kPositiveCount);
  cmd->callback([args] { run_score(*args); });
}

}  // namespace embed::cli
