// Single-threaded tokenizer throughput (MB/s of input UTF-8, tokens/s) for the XLM-R Unigram and
// BERT WordPiece fixture tokenizers on a multilingual text built from the fixture test strings.
// Two workloads: "document" encodes all strings joined by '\n' as one input; "lines" encodes
// each string on its own. bench/compare_tokenizers.mjs times HF tokenizers (Rust) on the same.
// Fixtures: $EMBED_FIXTURES_DIR, else ../shared/fixtures beside the checkout.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/tokenizer.h"

namespace {

namespace fs = std::filesystem;

fs::path fixtures_dir() {
  if (const char* env = std::getenv("EMBED_FIXTURES_DIR")) return env;
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "fixtures";
}

// The fixture test strings (the same ~300 strings for both tokenizers).
const std::vector<std::string>& texts() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    std::ifstream in(fixtures_dir() / "tokenizers" / "expected" /
                     "xlmr-unigram-8k.tokenizer.jsonl");
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
    return out;
  }();
  return lines;
}

const embed::Tokenizer* tokenizer(const std::string& name) {
  static std::map<std::string, std::optional<embed::Tokenizer>> cache;
  auto [it, inserted] = cache.try_emplace(name);
  if (inserted && fs::exists(fixtures_dir() / "tokenizers" / name))
    it->second = embed::Tokenizer::load(fixtures_dir() / "tokenizers" / name);
  return it->second ? &*it->second : nullptr;
}

void run(benchmark::State& state, const std::string& name, bool document) {
  const embed::Tokenizer* tok = tokenizer(name);
  if (!tok || texts().empty()) {
    state.SkipWithError(
        ("fixtures not found under " + fixtures_dir().string() + " (set EMBED_FIXTURES_DIR)")
            .c_str());
    return;
  }
  std::vector<std::string> inputs = texts();
  if (document) {
    std::string joined;
    for (const auto& t : inputs) joined += t + "\n";
    inputs = {joined};
  }
  size_t bytes = 0;
  for (const auto& t : inputs) bytes += t.size();
  size_t tokens = 0;
  for (auto _ : state) {
    for (const auto& t : inputs) {
      embed::Encoding e = tok->encode(t);
      tokens += e.ids.size();
      benchmark::DoNotOptimize(e.ids.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes * state.iterations()) / 1e6,
                                              benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(run, xlmr_unigram_document, std::string("xlmr-unigram-8k"), true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(run, xlmr_unigram_lines, std::string("xlmr-unigram-8k"), false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(run, bert_wordpiece_document, std::string("bert-base-uncased"), true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(run, bert_wordpiece_lines, std::string("bert-base-uncased"), false)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
