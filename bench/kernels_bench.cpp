// Kernel microbenchmarks: the SIMD kernels under each ISA against plain scalar loops, linear() at
// BGE-M3 (XLM-R large) shapes in GFLOP/s, and attention at growing sequence lengths.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/activation.h"
#include "kernels/attention.h"
#include "kernels/gemm.h"
#include "kernels/isa.h"
#include "kernels/layer_norm.h"
#include "kernels/softmax.h"

namespace {

using namespace embed::kernels;

std::vector<float> random_floats(size_t n, unsigned seed = 1) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// Benchmarks taking an ISA argument (0 generic, 1 avx2, 2 avx512) switch to it, or skip.
bool select_isa(benchmark::State& state, int arg_index) {
  const Isa isa = static_cast<Isa>(state.range(arg_index));
  if (!cpu_supports(isa)) {
    state.SkipWithError("ISA not supported by this CPU");
    return false;
  }
  set_isa_for_testing(isa);
  state.SetLabel(isa_name(isa));
  return true;
}

void set_bytes(benchmark::State& state, size_t floats_touched) {
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(floats_touched * sizeof(float)));
}

// Hidden-state shape of a 512-token batch at BGE-M3's width.
constexpr size_t kRows = 512, kHidden = 1024, kIntermediate = 4096;

void BM_LayerNorm(benchmark::State& state) {
  if (!select_isa(state, 0)) return;
  const std::vector<float> x = random_floats(kRows * kHidden), gamma = random_floats(kHidden, 2),
                           beta = random_floats(kHidden, 3);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    layer_norm(x.data(), gamma.data(), beta.data(), 1e-5f, y.data(), kRows, kHidden);
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2 * x.size());
}
BENCHMARK(BM_LayerNorm)->DenseRange(0, 2)->UseRealTime();

void BM_LayerNormScalar(benchmark::State& state) {
  const std::vector<float> x = random_floats(kRows * kHidden), gamma = random_floats(kHidden, 2),
                           beta = random_floats(kHidden, 3);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    for (size_t r = 0; r < kRows; ++r) {
      const float* row = x.data() + r * kHidden;
      float mean = 0, var = 0;
      for (size_t c = 0; c < kHidden; ++c) mean += row[c];
      mean /= kHidden;
      for (size_t c = 0; c < kHidden; ++c) var += (row[c] - mean) * (row[c] - mean);
      const float rstd = 1.0f / std::sqrt(var / kHidden + 1e-5f);
      for (size_t c = 0; c < kHidden; ++c)
        y[r * kHidden + c] = (row[c] - mean) * rstd * gamma[c] + beta[c];
    }
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2 * x.size());
}
BENCHMARK(BM_LayerNormScalar);

// GELU over the FFN intermediate activations of a 512-token batch.
void BM_GeluErf(benchmark::State& state) {
  if (!select_isa(state, 0)) return;
  const std::vector<float> x = random_floats(kRows * kIntermediate);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    state.PauseTiming();
    y = x;
    state.ResumeTiming();
    apply_activation(Activation::GeluErf, y.data(), y.size());
  }
  set_bytes(state, 2 * x.size());
}
BENCHMARK(BM_GeluErf)->DenseRange(0, 2)->UseRealTime();

void BM_GeluErfScalar(benchmark::State& state) {
  const std::vector<float> x = random_floats(kRows * kIntermediate);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    for (size_t i = 0; i < x.size(); ++i)
      y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678f));
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2 * x.size());
}
BENCHMARK(BM_GeluErfScalar);

// Attention scores of 16 heads × 128 queries over 512 keys.
constexpr size_t kSoftmaxRows = 16 * 128, kSoftmaxCols = 512;

void BM_Softmax(benchmark::State& state) {
  if (!select_isa(state, 0)) return;
  const std::vector<float> x = random_floats(kSoftmaxRows * kSoftmaxCols);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    state.PauseTiming();
    y = x;
    state.ResumeTiming();
    softmax_rows(y.data(), kSoftmaxRows, kSoftmaxCols);
  }
  set_bytes(state, 2 * x.size());
}
BENCHMARK(BM_Softmax)->DenseRange(0, 2)->UseRealTime();

void BM_SoftmaxScalar(benchmark::State& state) {
  const std::vector<float> x = random_floats(kSoftmaxRows * kSoftmaxCols);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    for (size_t r = 0; r < kSoftmaxRows; ++r) {
      const float* in = x.data() + r * kSoftmaxCols;
      float* row = y.data() + r * kSoftmaxCols;
      float max = in[0], sum = 0;
      for (size_t c = 1; c < kSoftmaxCols; ++c) max = in[c] > max ? in[c] : max;
      for (size_t c = 0; c < kSoftmaxCols; ++c) sum += row[c] = std::exp(in[c] - max);
      for (size_t c = 0; c < kSoftmaxCols; ++c) row[c] /= sum;
    }
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2 * x.size());
}
BENCHMARK(BM_SoftmaxScalar);

// linear() with args m, k, n, and the epilogue of that layer in BGE-M3: QKV/output projections
// (k = n = 1024) plain, FFN up (1024 → 4096) with GELU, FFN down (4096 → 1024) accumulating.
void BM_Linear(benchmark::State& state) {
  const size_t m = state.range(0), k = state.range(1), n = state.range(2);
  const std::vector<float> x = random_floats(m * k), w = random_floats(n * k, 2),
                           bias = random_floats(n, 3);
  std::vector<float> y(m * n);
  LinearEpilogue epilogue{bias.data()};
  if (n > k) epilogue.activation = Activation::GeluErf;
  if (k > n) epilogue.accumulate = true;
  for (auto _ : state) linear(x.data(), m, k, w.data(), n, y.data(), epilogue);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * m * k * n * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Linear)
    ->ArgsProduct({{512, 4096}, {1024}, {1024, 4096}})
    ->Args({512, 4096, 1024})
    ->Args({4096, 4096, 1024})
    ->Args({1, 1024, 1024})
    ->Args({16, 1024, 1024})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One sequence of length L, 16 heads × 64 (BGE-M3), from a fused QKV buffer, at each precision
// (the second argument: 0 F32, 1 INT8). Rates count 4·L²·hidden operations per call. Short
// queries (16, 48 tokens) take F32 in the engine: INT8 attention starts at 64 tokens.
void BM_Attention(benchmark::State& state) {
  const size_t len = state.range(0), heads = 16, head_dim = 64, hidden = heads * head_dim;
  const auto precision = static_cast<AttentionPrecision>(state.range(1));
  if (precision == AttentionPrecision::Int8 && !int8_attention_available()) {
    state.SkipWithError("INT8 attention needs AVX-512 VNNI or AVX2");
    return;
  }
  const std::vector<float> qkv = random_floats(len * 3 * hidden);
  std::vector<float> out(len * hidden);
  const size_t offsets[] = {0, len};
  const AttentionShape shape{heads, head_dim, 3 * hidden, hidden, 0.125f};
  for (auto _ : state)
    packed_attention(qkv.data(), qkv.data() + hidden, qkv.data() + 2 * hidden, out.data(), offsets,
                     1, shape, precision);
  state.counters["GOP/s"] = benchmark::Counter(4.0 * len * len * hidden * 1e-9 * state.iterations(),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Attention)
    ->ArgsProduct({{16, 48, 64, 128, 256, 512, 2048, 8192}, {0, 1}})
    ->ArgNames({"len", "int8"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
