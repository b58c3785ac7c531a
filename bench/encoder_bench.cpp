// End-to-end encoder benchmarks on random-weight models of real shapes (BGE-M3, all-MiniLM-L6-v2),
// made once by embed-make-model (and `embed quantize` for INT8) under $EMBED_BENCH_MODELS
// (default /tmp/embed-bench-models). Cases: 1×16 query latency, 32×128 throughput, 1×512 and
// 1×2048 long inputs, per compute type. Counters: tokens/s and the process's peak RSS, which only
// grows over a run (and includes quantizing a model on first use): for one case's RSS run that
// case alone with --benchmark_filter.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "engine/model.h"
#include "engine/quantize.h"

namespace {

using embed::ComputeType;
using embed::Model;

std::filesystem::path models_root() {
  const char* root = std::getenv("EMBED_BENCH_MODELS");
  return root && *root ? root : "/tmp/embed-bench-models";
}

// The preset's folder, generated on first use; "-int8" suffix: its quantized copy.
std::filesystem::path model_dir(const std::string& preset, bool int8) {
  const auto fp32 = models_root() / preset;
  if (!std::filesystem::exists(fp32 / "model.safetensors")) {
    const std::string command = std::string(EMBED_MAKE_MODEL_PATH) + " --preset " + preset +
                                " --out " + fp32.string() + " > /dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  if (!int8) return fp32;
  const auto quantized = models_root() / (preset + "-int8");
  if (!std::filesystem::exists(quantized / "model.safetensors"))
    embed::quantize_model(fp32.string(), quantized);
  return quantized;
}

// Models stay loaded across cases: loading is not what these benchmarks time.
const Model& model(const std::string& preset, const std::string& dtype) {
  static std::map<std::string, std::unique_ptr<Model>> loaded;
  auto& slot = loaded[preset + "/" + dtype];
  if (!slot) {
    const bool int8 = dtype == "int8";
    slot = std::make_unique<Model>(
        Model::load(model_dir(preset, int8).string(),
                    {.compute = dtype == "bf16" ? ComputeType::BF16 : ComputeType::Auto}));
  }
  return *slot;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_Encode(benchmark::State& state, const std::string& preset, const std::string& dtype) {
  const auto batch = static_cast<size_t>(state.range(0));
  const auto length = static_cast<size_t>(state.range(1));
  const Model& m = model(preset, dtype);
  std::mt19937 generator(7);
  std::uniform_int_distribution<int32_t> ids(1000, m.config().vocab_size - 2);
  std::vector<std::vector<int32_t>> inputs(batch, std::vector<int32_t>(length));
  for (auto& sequence : inputs)
    for (auto& id : sequence) id = ids(generator);
  const embed::EncodeOptions options{.batch_tokens = std::max<size_t>(16384, length)};
  m.encode_ids(inputs, options);  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(m.encode_ids(inputs, options));
  state.counters["tokens/s"] =
      benchmark::Counter(double(batch * length) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MB"] = peak_rss_mb();
}

void register_cases() {
  for (const std::string dtype : {"fp32", "bf16", "int8"}) {
    benchmark::RegisterBenchmark(("BGE-M3/" + dtype).c_str(), BM_Encode, "bge-m3", dtype)
        ->Args({1, 16})
        ->Args({32, 128})
        ->Args({1, 512})
        ->Args({1, 2048})
        ->ArgNames({"batch", "length"})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("MiniLM/" + dtype).c_str(), BM_Encode, "minilm", dtype)
        ->Args({1, 16})
        ->Args({32, 128})
        ->ArgNames({"batch", "length"})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_cases();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
