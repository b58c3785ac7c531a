// This machine's arithmetic peak, to quote GEMM throughput as a fraction of it: FP32 FMA
// (AVX2 and AVX-512) and INT8 dot products (AVX-512 VNNI vpdpbusd), on 1 and 2 threads. Each
// thread runs independent dependency chains from registers, so only the execution ports limit.
// The wide functions carry their own target attribute and run only after a CPU check; the rest of
// the build stays at baseline x86-64.
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <omp.h>

#include <cstddef>
#include <cstdint>

namespace {

// Enough chains to cover the FMA latency (4 cycles) on two ports.
constexpr int kChains = 12;
constexpr size_t kIterations = size_t{1} << 22;

// Something that depends on every chain, so that none is optimised away.
template <class Vector>
float lane_sum(const Vector (&acc)[kChains]) {
  float sum = 0;
  for (const Vector& v : acc) {
    float lane;
    __builtin_memcpy(&lane, &v, sizeof lane);
    sum += lane;
  }
  return sum;
}

__attribute__((target("avx2,fma"))) float fma_avx2(size_t iterations) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(float(c));
  const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-6f);
  for (size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16  // keeps every chain in a register
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], mul, add);
  return lane_sum(acc);
}

__attribute__((target("avx512f"))) float fma_avx512(size_t iterations) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c));
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-6f);
  for (size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16  // keeps every chain in a register
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], mul, add);
  return lane_sum(acc);
}

__attribute__((target("avx512f,avx512vnni"))) float dpbusd_avx512(size_t iterations) {
  __m512i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(c);
  const __m512i u8 = _mm512_set1_epi8(3), s8 = _mm512_set1_epi8(-2);
  for (size_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16  // keeps every chain in a register
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], u8, s8);
  return lane_sum(acc);
}

struct Kernel {
  float (*run)(size_t);
  double ops_per_instruction;  // a multiply-add counts as two operations
  bool supported;
};

// Runs the kernel on state.range(0) threads at once; reports the total rate.
void run_peak(benchmark::State& state, const Kernel& kernel, const char* counter) {
  if (!kernel.supported) {
    state.SkipWithError("instruction set not supported by this CPU");
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  float sink = 0;
  for (auto _ : state) {
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += kernel.run(kIterations);
  }
  benchmark::DoNotOptimize(sink);
  state.counters[counter] = benchmark::Counter(
      kernel.ops_per_instruction * kChains * kIterations * threads * 1e-9 * state.iterations(),
      benchmark::Counter::kIsRate);
}

void BM_PeakFmaAvx2(benchmark::State& state) {
  run_peak(state,
           {fma_avx2, 8 * 2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")},
           "GFLOP/s");
}
void BM_PeakFmaAvx512(benchmark::State& state) {
  run_peak(state, {fma_avx512, 16 * 2, bool(__builtin_cpu_supports("avx512f"))}, "GFLOP/s");
}
// vpdpbusd: 16 lanes × 4 u8·s8 products added into int32.
void BM_PeakVnniAvx512(benchmark::State& state) {
  run_peak(state,
           {dpbusd_avx512, 16 * 4 * 2,
            __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni")},
           "GOP/s");
}

BENCHMARK(BM_PeakFmaAvx2)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_PeakFmaAvx512)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_PeakVnniAvx512)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
