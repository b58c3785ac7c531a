// Linear layers at BGE-M3 (XLM-R large) shapes through PreparedLinear: FP32 vs BF16 vs INT8 in
// GOP/s (2·m·k·n per call) on 1 and 2 threads, small-batch latency, and the load-time cost of
// packing weights; and our INT8 GEMM kernel alone, on input already quantized. Compare with
// bench/peak_bench.cpp for the fraction of peak.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <exception>
#include <optional>
#include <random>
#include <vector>

#include "kernels/isa.h"
#include "kernels/panel_gemm.h"
#include "kernels/prepared_linear.h"
#include "kernels/quantize.h"

namespace {

using namespace embed::kernels;

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// Runs f when it goes out of scope, however the scope ends: preparing a format this CPU lacks
// throws, and the global choices a preparation switched must still be restored.
template <class F>
struct OnExit {
  F f;
  ~OnExit() { f(); }
};

// The formats benchmarked: FP32, BF16 as this CPU runs it by default, BF16 with bf16 products
// forced (oneDNN emulates them without AVX512_BF16), INT8 (our VNNI GEMM where the CPU has VNNI),
// and INT8 through oneDNN's u8·s8 matmul (the path of CPUs without VNNI, for comparison).
enum Format { kF32, kBf16, kBf16Products, kInt8, kInt8OneDnn };
const char* const kFormatNames[] = {"f32", "bf16", "bf16-products", "int8", "int8-onednn"};

// Normally distributed weights with the spread of BERT's initialisation (σ = 0.02), as trained
// and generated models' are: uniform ones are flatter than either, which the AVX2 INT8 GEMM packs
// for its slower single steps (panel_gemm.h), so they would time a path real models do not take.
std::vector<float> normal_weights(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// Weights of one [n][k] layer, as every format prepares them.
struct Layer {
  Layer(size_t n, size_t k) : w(normal_weights(n * k, 2)), w_q(n * k), scales(n) {
    quantize_rows_symmetric(w.data(), n, k, w_q.data(), scales.data());
  }
  PreparedLinear prepare(Format format, size_t n, size_t k) const {
    switch (format) {
      case kF32:
        return PreparedLinear::f32(w.data(), n, k);
      case kBf16:
      case kBf16Products: {
        const OnExit restore{[saved = bf16_compute()] { set_bf16_compute_for_testing(saved); }};
        if (format == kBf16Products) set_bf16_compute_for_testing(Bf16Compute::Bf16);
        return PreparedLinear::bf16(w.data(), n, k);
      }
      case kInt8OneDnn: {
        // Our GEMMs are chosen at preparation, only while the AVX2 or AVX-512 kernels are active.
        const OnExit restore{[saved = active_isa()] { set_isa_for_testing(saved); }};
        set_isa_for_testing(Isa::Generic);
        return PreparedLinear::int8(w_q.data(), scales.data(), n, k);
      }
      case kInt8:
        break;
    }
    return PreparedLinear::int8(w_q.data(), scales.data(), n, k);
  }
  std::vector<float> w;
  std::vector<int8_t> w_q;
  std::vector<float> scales;
};

// Prepares `weights` in `format` into `layer`, or marks the benchmark skipped with the reason (a
// format this CPU cannot run: bf16 products need a oneDNN bf16 matmul, absent on AVX2-only CPUs).
bool try_prepare(benchmark::State& state, const Layer& weights, Format format, size_t n, size_t k,
                 std::optional<PreparedLinear>& layer) {
  try {
    layer.emplace(weights.prepare(format, n, k));
    return true;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return false;
  }
}

// Args: format, threads, m, k, n. The epilogue is that of the layer in BGE-M3: QKV/output
// projections (k = n) with bias, FFN up (n > k) with bias and GELU, FFN down (k > n) with bias
// and the residual added.
void BM_PreparedLinear(benchmark::State& state) {
  const auto format = static_cast<Format>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const size_t m = state.range(2), k = state.range(3), n = state.range(4);
  const Layer weights(n, k);
  std::optional<PreparedLinear> prepared;
  if (!try_prepare(state, weights, format, n, k, prepared)) return;
  const PreparedLinear& layer = *prepared;
  const std::vector<float> x = random_floats(m * k, 1), bias = random_floats(n, 3);
  std::vector<float> y(m * n);
  LinearEpilogue epilogue{bias.data()};
  if (n > k) epilogue.activation = Activation::GeluErf;
  if (k > n) epilogue.accumulate = true;
  const int saved_threads = omp_get_max_threads();
  omp_set_num_threads(threads);
  layer.apply(x.data(), m, y.data(), epilogue);  // compiles the kernels for this shape
  for (auto _ : state) layer.apply(x.data(), m, y.data(), epilogue);
  omp_set_num_threads(saved_threads);
  state.SetLabel(kFormatNames[format]);
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * m * k * n * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
}

void bge_m3_shapes(benchmark::internal::Benchmark* b) {
  for (int format : {kF32, kBf16, kBf16Products, kInt8, kInt8OneDnn})
    for (int threads : {1, 2})
      for (int m : {16, 512, 4096})
        for (auto [k, n] : {std::pair{1024, 1024}, {1024, 4096}, {4096, 1024}})
          // Emulated bf16 products take seconds per call at 4096 rows.
          if (!(format == kBf16Products && m == 4096)) b->Args({format, threads, m, k, n});
}
BENCHMARK(BM_PreparedLinear)
    ->Apply(bge_m3_shapes)
    ->ArgNames({"fmt", "thr", "m", "k", "n"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Latency of a short query (m = 1 … 16 tokens) through a 1024×1024 projection.
void small_batches(benchmark::internal::Benchmark* b) {
  for (int format : {kF32, kInt8, kInt8OneDnn})
    for (int threads : {1, 2})
      for (int m : {1, 2, 4, 8, 16}) b->Args({format, threads, m, 1024, 1024});
}
BENCHMARK(BM_PreparedLinear)
    ->Name("BM_PreparedLinearSmallBatch")
    ->Apply(small_batches)
    ->ArgNames({"fmt", "thr", "m", "k", "n"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The INT8 GEMM kernel alone (kernels/panel_gemm.h), its VNNI build or, where the CPU has no
// VNNI, its AVX2 one, with the epilogues of BGE-M3's INT8 encoder, its input already quantized
// (PreparedLinear also quantizes each call's input): QKV (n = 3k) and FFN-up (n = 4k, with GELU)
// store bf16 (f32 on AVX2, which has no bf16 epilogue), the output projection (n = k) and
// FFN-down (k = 4n) add to the f32 residual. Args: threads, m, k, n.
void BM_Int8GemmKernel(benchmark::State& state) {
  const bool on_vnni = vnni_active();
  if (!on_vnni && active_isa() != Isa::Avx2) {
    state.SkipWithError("our INT8 GEMM needs AVX-512 VNNI or AVX2");
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  const size_t m = state.range(1), k = state.range(2), n = state.range(3);
  const Layer weights(n, k);
  const Int8Panels panels = pack_int8_panels(
      weights.w_q.data(), n, k, on_vnni ? Int8PanelKernel::Vnni : Int8PanelKernel::Avx2);
  std::vector<uint8_t> a(m * k + 4);
  std::mt19937 gen(4);
  // The u8 range the encoder's quantizer gives: [0, 2 · levels + 1] (7 bits without VNNI).
  const unsigned values = 2 * static_cast<unsigned>(int8_activation_levels()) + 2;
  for (uint8_t& v : a) v = static_cast<uint8_t>(gen() % values);
  const std::vector<float> row_scales(m, 1e-3f), col_offsets(n, 0.0f), bias = random_floats(n, 3);
  const bool to_residual = n <= k;
  const Int8GemmEpilogue epilogue{row_scales.data(),
                                  col_offsets.data(),
                                  weights.scales.data(),
                                  bias.data(),
                                  n == 4 * k ? Activation::GeluErf : Activation::None,
                                  to_residual};
  std::vector<float> y(m * n);
  std::vector<uint16_t> y_bf16(m * n);
  const auto run = [&] {
    if (!on_vnni)
      avx2::int8_gemm(a.data(), m, k, panels.view(), epilogue, y.data());
    else if (to_residual)
      int8_gemm(a.data(), m, k, panels.view(), epilogue, y.data());
    else
      int8_gemm_bf16(a.data(), m, k, panels.view(), epilogue, y_bf16.data());
  };
  const int saved_threads = omp_get_max_threads();
  omp_set_num_threads(threads);
  run();
  for (auto _ : state) run();
  omp_set_num_threads(saved_threads);
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * m * k * n * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Int8GemmKernel)
    ->ArgsProduct({{1, 2}, {16, 512, 4096}, {1024}, {1024, 3072, 4096}})
    ->Args({1, 16, 4096, 1024})
    ->Args({1, 512, 4096, 1024})
    ->Args({1, 4096, 4096, 1024})
    ->Args({2, 16, 4096, 1024})
    ->Args({2, 512, 4096, 1024})
    ->Args({2, 4096, 4096, 1024})
    ->ArgNames({"thr", "m", "k", "n"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Load-time packing of one BGE-M3 encoder layer's six matrices (Q, K, V, attention output:
// 1024×1024; FFN up 4096×1024; FFN down 1024×4096); the model has 24 layers.
void BM_PrepareBgeM3Layer(benchmark::State& state) {
  const auto format = static_cast<Format>(state.range(0));
  const Layer square(1024, 1024), up(4096, 1024), down(1024, 4096);
  std::optional<PreparedLinear> probe;
  if (!try_prepare(state, square, format, 1024, 1024, probe)) return;
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (int i = 0; i < 4; ++i) bytes += square.prepare(format, 1024, 1024).packed_bytes();
    bytes += up.prepare(format, 4096, 1024).packed_bytes();
    bytes += down.prepare(format, 1024, 4096).packed_bytes();
  }
  state.SetLabel(kFormatNames[format]);
  state.counters["MB"] = double(bytes) / 1e6;
}
BENCHMARK(BM_PrepareBgeM3Layer)
    ->DenseRange(kBf16, kInt8OneDnn)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
