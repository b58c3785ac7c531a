// `embed bench`: times the encoder on random token sequences (model load and one warm-up run
// excluded), computing the outputs asked for (dense by default, as `encode`), and reports
// median / p90 latency, tokens per second and peak RSS.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "tools/embed/command.h"
#include "tools/embed/count_option.h"
#include "tools/embed/model_options.h"
#include "tools/embed/output_list.h"

namespace embed::cli {
namespace {

struct BenchArgs {
  ModelArgs model;
  size_t batch = 1;
  size_t length = 128;
  size_t runs = 5;
  size_t batch_tokens = 16384;
  std::string outputs = "dense";
  bool json = false;
};

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// B sequences of L ids: the model's first/last special tokens around random ordinary ids.
std::vector<std::vector<int32_t>> random_inputs(const Model& model, size_t batch, size_t length) {
  const ModelConfig& config = model.config();
  const int32_t first = config.architecture == Architecture::XlmRoberta ? 0 : 101;
  const int32_t last = config.architecture == Architecture::XlmRoberta ? 2 : 102;
  std::mt19937 generator(1234);
  std::uniform_int_distribution<int32_t> ordinary(std::min(1000, config.vocab_size / 2),
                                                  config.vocab_size - 2);
  std::vector<std::vector<int32_t>> inputs(batch, std::vector<int32_t>(length));
  for (auto& ids : inputs) {
    for (auto& id : ids) id = ordinary(generator);
    if (length >= 2 && first < config.vocab_size && last < config.vocab_size) {
      ids.front() = first;
      ids.back() = last;
    }
  }
  return inputs;
}

void run_bench(const BenchArgs& args) {
  const Model model = load_model(args.model);
  if (args.length > static_cast<size_t>(model.config().max_tokens()))
    throw std::runtime_error("--length " + std::to_string(args.length) +
                             " exceeds the model's maximum of " +
                             std::to_string(model.config().max_tokens()) + " tokens");
  const auto inputs = random_inputs(model, args.batch, args.length);
  EncodeOptions options{.batch_tokens = std::max(args.batch_tokens, args.length)};
  set_outputs(args.outputs, model.info(), options);
  model.encode_ids(inputs, options);  // warm-up: page in weights, create primitives

  std::vector<double> times_ms;
  for (size_t run = 0; run < args.runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    model.encode_ids(inputs, options);
    times_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times_ms.begin(), times_ms.end());
  const double median = times_ms[times_ms.size() / 2];
  const double p90 = times_ms[std::min(times_ms.size() - 1, (times_ms.size() * 9) / 10)];
  const double tokens_per_s = 1000.0 * double(args.batch * args.length) / median;
  if (args.json) {
    std::printf("%s\n", nlohmann::ordered_json{{"median_ms", median},
                                               {"p90_ms", p90},
                                               {"tokens_per_s", tokens_per_s},
                                               {"peak_rss_mb", peak_rss_mb()},
                                               {"batch", args.batch},
                                               {"length", args.length},
                                               {"runs", args.runs},
                                               {"batch_tokens", options.batch_tokens},
                                               {"outputs", args.outputs},
                                               {"compute", model.info().compute_dtype}}
                            .dump()
                            .c_str());
  } else {
    std::printf("%zux%zu %s (%s): median %.2f ms, p90 %.2f ms, %.0f tokens/s, peak RSS %.0f MB\n",
                args.batch, args.length, model.info().compute_dtype.c_str(), args.outputs.c_str(),
                median, p90, tokens_per_s, peak_rss_mb());
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Time the encoder on B random sequences of L tokens (load and warm-up excluded)");
  add_model_options(cmd, args->model);
  cmd->add_option("-b,--batch", args->batch, "Sequences per call")
      ->check(kPositiveCount)
      ->capture_default_str();
  cmd->add_option("-l,--length", args->length, "Tokens per sequence, specials included")
      ->check(kPositiveCount)
      ->capture_default_str();
  cmd->add_option("-r,--runs", args->runs, "Timed runs")
      ->check(kPositiveCount)
      ->capture_default_str();
  cmd->add_option("--batch-tokens", args->batch_tokens,
                  "Token budget of one forward pass (raised to --length if below)")
      ->check(kPositiveCount)
      ->capture_default_str();
  cmd->add_option("-o,--output", args->outputs, kOutputListHelp)->capture_default_str();
  cmd->add_flag("--json", args->json,
                "One JSON object: median_ms, p90_ms, tokens_per_s, peak_rss_mb");
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace embed::cli
