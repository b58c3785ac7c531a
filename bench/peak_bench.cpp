// This machine's arithmetic peak, to quote GEMM throughput as a fraction of it: FP32 FMA
// (AVX2 and AVX-512) and INT8 dot products (AVX2 vpmaddubsw, singly and in our GEMM's pairs;
// AVX-512 VNNI vpdpbusd), on 1 and 2 threads. Each thread runs 12 independent accumulator chains,
// enough to cover the latency on two ports, so only the execution ports limit. The loops are inline
// assembly on fixed registers: written with intrinsics, GCC at -O2 copied or spilled the
// accumulators every iteration and measured half the VNNI rate that oneDNN's GEMM reaches. Each
// kernel runs only after a CPU check.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstddef>

namespace {

constexpr size_t kChains = 12;
constexpr size_t kIterations = size_t{1} << 22;

#define EMBED_CHAINS(op)                                                                       \
  op("4") op("5") op("6") op("7") op("8") op("9") op("10") op("11") op("12") op("13") op("14") \
      op("15")
#define EMBED_FMA_YMM(r) "vfmadd231ps %%ymm1, %%ymm0, %%ymm" r "\n\t"
#define EMBED_FMA_ZMM(r) "vfmadd231ps %%zmm1, %%zmm0, %%zmm" r "\n\t"
#define EMBED_DPBUSD_ZMM(r) "vpdpbusd %%zmm1, %%zmm0, %%zmm" r "\n\t"
#define EMBED_CLOBBERS                                                                       \
  "xmm0", "xmm1", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", \
      "xmm13", "xmm14", "xmm15", "cc"

// Zero operands: the values do not change the instructions' speed.
void fma_avx2(size_t iterations) {
  asm volatile(
      "vxorps %%ymm0, %%ymm0, %%ymm0\n\t"
      "vxorps %%ymm1, %%ymm1, %%ymm1\n\t"
      "1:\n\t" EMBED_CHAINS(EMBED_FMA_YMM) "dec %0\n\t"
                                           "jnz 1b\n\t"
      : "+r"(iterations)
      :
      : EMBED_CLOBBERS);
}

void fma_avx512(size_t iterations) {
  asm volatile(
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"
      "vpxord %%zmm1, %%zmm1, %%zmm1\n\t"
      "1:\n\t" EMBED_CHAINS(EMBED_FMA_ZMM) "dec %0\n\t"
                                           "jnz 1b\n\t"
      : "+r"(iterations)
      :
      : EMBED_CLOBBERS);
}

void dpbusd_avx512(size_t iterations) {
  asm volatile(
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"
      "vpxord %%zmm1, %%zmm1, %%zmm1\n\t"
      "1:\n\t" EMBED_CHAINS(EMBED_DPBUSD_ZMM) "dec %0\n\t"
                                              "jnz 1b\n\t"
      : "+r"(iterations)
      :
      : EMBED_CLOBBERS);
}

// Without VNNI a u8·s8 dot product of four is vpmaddubsw (pairs into int16), vpmaddwd by ones
// (pairs of those into int32) and vpaddd: every AVX2 INT8 GEMM's inner sequence. One scratch
// register (ymm3) serves all chains; renaming keeps them independent.
#define EMBED_MADDUBS_YMM(r)              \
  "vpmaddubsw %%ymm1, %%ymm0, %%ymm3\n\t" \
  "vpmaddwd %%ymm2, %%ymm3, %%ymm3\n\t"   \
  "vpaddd %%ymm3, %%ymm" r ", %%ymm" r "\n\t"
void maddubs_avx2(size_t iterations) {
  asm volatile(
      "vpxor %%ymm0, %%ymm0, %%ymm0\n\t"
      "vpxor %%ymm1, %%ymm1, %%ymm1\n\t"
      "vpxor %%ymm2, %%ymm2, %%ymm2\n\t"
      "1:\n\t" EMBED_CHAINS(EMBED_MADDUBS_YMM) "dec %0\n\t"
                                               "jnz 1b\n\t"
      : "+r"(iterations)
      :
      : EMBED_CLOBBERS, "xmm2", "xmm3");
}

// Our AVX2 GEMM's sequence (kernels/panel_gemm.h): two vpmaddubsw whose int16 sums vpaddw adds
// before one vpmaddwd widens them, then vpaddd: eight products per lane for three multiplies.
#define EMBED_MADDUBS_PAIR_YMM(r)         \
  "vpmaddubsw %%ymm1, %%ymm0, %%ymm3\n\t" \
  "vpmaddubsw %%ymm1, %%ymm0, %%ymm2\n\t" \
  "vpaddw %%ymm2, %%ymm3, %%ymm3\n\t"     \
  "vpmaddwd %%ymm1, %%ymm3, %%ymm3\n\t"   \
  "vpaddd %%ymm3, %%ymm" r ", %%ymm" r "\n\t"
void maddubs_pairs_avx2(size_t iterations) {
  asm volatile(
      "vpxor %%ymm0, %%ymm0, %%ymm0\n\t"
      "vpxor %%ymm1, %%ymm1, %%ymm1\n\t"
      "1:\n\t" EMBED_CHAINS(EMBED_MADDUBS_PAIR_YMM) "dec %0\n\t"
                                                    "jnz 1b\n\t"
      : "+r"(iterations)
      :
      : EMBED_CLOBBERS, "xmm2", "xmm3");
}

struct Kernel {
  void (*run)(size_t);
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
  for (auto _ : state) {
#pragma omp parallel num_threads(threads)
    kernel.run(kIterations);
  }
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

// vpmaddubsw + vpmaddwd + vpaddd: 8 lanes × 4 u8·s8 products added into int32.
void BM_PeakInt8Avx2(benchmark::State& state) {
  run_peak(state, {maddubs_avx2, 8 * 4 * 2, bool(__builtin_cpu_supports("avx2"))}, "GOP/s");
}

// Two vpmaddubsw + vpaddw + vpmaddwd + vpaddd: 8 lanes × 8 u8·s8 products added into int32.
void BM_PeakInt8PairsAvx2(benchmark::State& state) {
  run_peak(state, {maddubs_pairs_avx2, 8 * 8 * 2, bool(__builtin_cpu_supports("avx2"))}, "GOP/s");
}

BENCHMARK(BM_PeakFmaAvx2)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_PeakInt8Avx2)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_PeakInt8PairsAvx2)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_PeakFmaAvx512)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_PeakVnniAvx512)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
