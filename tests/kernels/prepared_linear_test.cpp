#include "kernels/prepared_linear.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kernels/fast_activation.h"
#include "kernels/isa.h"
#include "kernels/quantize.h"
#include "tests/kernels/kernel_test_support.h"
#include "tests/kernels/quantize_reference.h"

namespace embed::kernels {
namespace {

using test::random_floats;
using test::reference_activation;

struct Shape {
  size_t m, k, n;
};
const Shape kShapes[] = {{1, 1, 1},    {1, 7, 33},     {7, 33, 1},     {33, 384, 7},
                         {16, 64, 48}, {70, 1024, 96}, {5, 100, 1031}, {17, 256, 200}};

struct Epilogue {
  Activation activation;
  bool bias, accumulate;
};

std::vector<Epilogue> all_epilogues() {
  std::vector<Epilogue> all;
  for (Activation act :
       {Activation::None, Activation::GeluErf, Activation::GeluTanh, Activation::Relu})
    for (bool bias : {false, true})
      for (bool accumulate : {false, true}) all.push_back({act, bias, accumulate});
  return all;
}

// Random inputs of one shape, and weights quantized per output channel.
struct Problem {
  explicit Problem(const Shape& s)
      : shape(s),
        x(random_floats(s.m * s.k, -2.0f, 2.0f, 51)),
        w(random_floats(s.n * s.k, -0.5f, 0.5f, 52)),
        bias(random_floats(s.n, -1.0f, 1.0f, 53)),
        y0(random_floats(s.m * s.n, -1.0f, 1.0f, 54)),
        w_q(s.n * s.k),
        w_scales(s.n) {
    quantize_rows_symmetric(w.data(), s.n, s.k, w_q.data(), w_scales.data());
  }
  LinearEpilogue epilogue(const Epilogue& e) const {
    return {e.bias ? bias.data() : nullptr, e.activation, e.accumulate};
  }
  std::vector<float> run(const PreparedLinear& layer, const Epilogue& e) const {
    std::vector<float> y = y0;
    layer.apply(x.data(), shape.m, y.data(), epilogue(e));
    return y;
  }
  std::vector<float> run_f32(const Epilogue& e) const {
    std::vector<float> y = y0;
    linear(x.data(), shape.m, shape.k, w.data(), shape.n, y.data(), epilogue(e));
    return y;
  }

  Shape shape;
  std::vector<float> x, w, bias, y0;
  std::vector<int8_t> w_q;
  std::vector<float> w_scales;
};

std::string describe(const Shape& s, const Epilogue& e) {
  return "m=" + std::to_string(s.m) + " k=" + std::to_string(s.k) + " n=" + std::to_string(s.n) +
         " act=" + std::to_string(static_cast<int>(e.activation)) +
         " bias=" + std::to_string(e.bias) + " accumulate=" + std::to_string(e.accumulate);
}

// Σ |x[i][c] · w[j][c]| (+ |bias[j]|): the scale of the rounding error in output (i, j).
double magnitude(const Problem& p, const Epilogue& e, size_t i, size_t j) {
  const Shape& s = p.shape;
  double sum = e.bias ? std::abs(p.bias[j]) : 0.0;
  for (size_t c = 0; c < s.k; ++c) sum += std::abs(double(p.x[i * s.k + c]) * p.w[j * s.k + c]);
  return sum;
}

// The packed layout changes only the order of the f32 additions.
TEST(PreparedLinear, F32MatchesLinear) {
  // Beside kShapes, one with several row blocks of our panel GEMMs (which run F32 at every row
  // count on AVX2), k = 1104 (a block of 256 steps and a partial one) and a partial last panel.
  std::vector<Shape> shapes(std::begin(kShapes), std::end(kShapes));
  shapes.push_back({300, 1104, 130});
  for (const Shape& s : shapes) {
    const Problem p(s);
    const PreparedLinear layer = PreparedLinear::f32(p.w.data(), s.n, s.k);
    EXPECT_EQ(layer.format(), WeightFormat::F32);
    EXPECT_GE(layer.packed_bytes(), 4 * s.n * s.k);
    for (const Epilogue& e : all_epilogues()) {
      SCOPED_TRACE(describe(s, e));
      const std::vector<float> y = p.run(layer, e), f32 = p.run_f32(e);
      for (size_t i = 0; i < s.m; ++i)
        for (size_t j = 0; j < s.n; ++j)
          ASSERT_NEAR(y[i * s.n + j], f32[i * s.n + j], 1e-5 * magnitude(p, e, i, j) + 1e-6)
              << i << "," << j;
    }
  }
}

// Every format copies the weights: the caller's matrix may go away after preparing.
TEST(PreparedLinear, WeightsMayBeReleasedAfterPreparing) {
  const Shape s = kShapes[5];
  const Problem p(s);
  const Epilogue e = {Activation::GeluErf, true, false};
  std::vector<float> w = p.w;
  std::vector<int8_t> w_q = p.w_q;
  const PreparedLinear layers[] = {PreparedLinear::f32(w.data(), s.n, s.k),
                                   PreparedLinear::bf16(w.data(), s.n, s.k),
                                   PreparedLinear::int8(w_q.data(), p.w_scales.data(), s.n, s.k)};
  std::vector<std::vector<float>> before;
  for (const PreparedLinear& layer : layers) before.push_back(p.run(layer, e));
  std::fill(w.begin(), w.end(), 0.0f);
  std::fill(w_q.begin(), w_q.end(), int8_t{0});
  for (size_t f = 0; f < std::size(layers); ++f) EXPECT_EQ(p.run(layers[f], e), before[f]) << f;
}

// INT8 against double arithmetic on exactly what the INT8 path multiplies: the dequantized
// weights and the activations quantized as the path does (the kernels are tested bit-exact
// against this scalar quantizer). Only float rounding of the dequantization is left.
void expect_matches_dequantized_reference(const Problem& p, const PreparedLinear& layer,
                                          const Epilogue& e, Int8Input input = Int8Input::Any) {
  const Shape& s = p.shape;
  const QuantizationLevels levels = int8_activation_levels(input);
  const test::QuantizedRows xq =
      test::reference_quantize(p.x.data(), s.m, s.k, levels.positive, levels.negative);
  SCOPED_TRACE(describe(s, e));
  const std::vector<float> y = p.run(layer, e);
  for (size_t i = 0; i < s.m; ++i) {
    for (size_t j = 0; j < s.n; ++j) {
      double dot = 0, magnitude = e.bias ? std::abs(p.bias[j]) : 0.0;
      for (size_t c = 0; c < s.k; ++c) {
        const double term =
            double(xq.q[i * s.k + c]) * xq.scales[i] * (double(p.w_q[j * s.k + c]) * p.w_scales[j]);
        dot += term;
        magnitude += std::abs(term);
      }
      const double pre_activation = dot + (e.bias ? p.bias[j] : 0.0);
      double expected = reference_activation(e.activation, pre_activation);
      if (e.accumulate) expected += p.y0[i * s.n + j];
      // The INT8 epilogues' GELU is coarse, within its own bound.
      const double activation_error =
          e.activation == Activation::GeluErf
              ? kCoarseGeluErfError * std::max(1.0, std::abs(pre_activation))
              : 0.0;
      ASSERT_NEAR(y[i * s.n + j], expected, 1e-5 * magnitude + 1e-6 + activation_error)
          << i << "," << j;
    }
  }
}

TEST(PreparedLinear, Int8MatchesDequantizedReference) {
  for (const Shape& s : kShapes) {
    const Problem p(s);
    const PreparedLinear layer = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k);
    EXPECT_EQ(layer.format(), WeightFormat::Int8);
    EXPECT_EQ(layer.out_features(), s.n);
    EXPECT_EQ(layer.in_features(), s.k);
    EXPECT_GE(layer.packed_bytes(), s.n * s.k);
    for (const Epilogue& e : all_epilogues()) expect_matches_dequantized_reference(p, layer, e);
  }
}

// GELU's outputs as inputs: with Int8Input::AfterGelu the activations are quantized with most
// levels above zero (int8_activation_levels), exactly as the reference does it, and the result is
// closer to the float one than with levels split evenly.
TEST(PreparedLinear, Int8AfterGeluUsesTheSkewedLevels) {
  Problem p({40, 512, 96});
  for (float& v : p.x) v = static_cast<float>(reference_activation(Activation::GeluErf, 3.0 * v));
  const Shape& s = p.shape;
  const PreparedLinear skewed =
      PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k, Int8Input::AfterGelu);
  expect_matches_dequantized_reference(p, skewed, {Activation::None, true, false},
                                       Int8Input::AfterGelu);
  const PreparedLinear even = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k);
  const std::vector<float> exact = p.run(PreparedLinear::f32(p.w.data(), s.n, s.k), {});
  const auto error = [&](const PreparedLinear& layer) {
    const std::vector<float> y = p.run(layer, {});
    double sum = 0;
    for (size_t i = 0; i < y.size(); ++i) sum += (y[i] - exact[i]) * (y[i] - exact[i]);
    return std::sqrt(sum / double(y.size()));
  };
  const double skewed_error = error(skewed), even_error = error(even);
  std::printf("[int8 after gelu] rms error %.3g skewed, %.3g even\n", skewed_error, even_error);
  EXPECT_LT(skewed_error, 0.75 * even_error);
}

// Enough rows for several row blocks of our VNNI GEMM (whose threads share each block), enough
// outputs for work items of several panels, the last one partial, and k = 1100: 275 steps of 4,
// more than one block of k (256 steps with many rows), the last one partial.
TEST(PreparedLinear, Int8ManyRowBlocksMatchReference) {
  const Problem p({300, 1100, 1100});
  const PreparedLinear layer =
      PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), p.shape.n, p.shape.k);
  expect_matches_dequantized_reference(p, layer, {Activation::GeluErf, true, true});
}

// Activations at their extremes against weights of ±127 of one sign per output: the largest
// pairs of products the GEMMs form. Without VNNI they add pairs in int16, exact only because the
// activations stay within 7 bits (int8_activation_levels); at 8 bits such pairs saturate.
TEST(PreparedLinear, Int8ExtremeProductsDoNotSaturate) {
  Problem p({9, 260, 70});
  const Shape& s = p.shape;
  for (size_t i = 0; i < s.m; ++i)
    for (size_t c = 0; c < s.k; ++c)
      p.x[i * s.k + c] = (i % 2 ? -1.0f : 1.0f) * (c % 3 ? 3.0f : 2.9f);
  for (size_t j = 0; j < s.n; ++j) {
    for (size_t c = 0; c < s.k; ++c) p.w_q[j * s.k + c] = j % 2 ? int8_t{-127} : int8_t{127};
    p.w_scales[j] = 0.01f;
  }
  const PreparedLinear layer = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k);
  expect_matches_dequantized_reference(p, layer, {Activation::None, false, false});
}

// Activations at both extremes against weights for our AVX2 GEMM's two packings (int8_gemm in
// kernels/panel_gemm.h): within ±40 but for 20 lanes of three weights of 127 of one sign (its
// pairs of steps, those lanes split into corrections), and ±127 in random signs (far too many
// lanes to split: steps one by one). k = 1030 ends inside a pair of steps; n = 130 inside a panel.
TEST(PreparedLinear, Int8ExtremeLanesAreExact) {
  for (const bool flat : {false, true}) {
    Problem p({7, 1030, 130});
    const Shape& s = p.shape;
    std::mt19937 gen(3);
    for (size_t i = 0; i < s.m; ++i)
      for (size_t c = 0; c < s.k; ++c) p.x[i * s.k + c] = gen() % 2 ? -2.0f : 2.0f;
    for (int8_t& w : p.w_q)
      w = flat ? (gen() % 2 ? int8_t{-127} : int8_t{127})
               : static_cast<int8_t>(static_cast<int>(gen() % 81) - 40);
    for (size_t h = 0; h < 20 && !flat; ++h) {
      const size_t j = gen() % s.n, c = gen() % (s.k / 8) * 8, lane = gen() % 2 * 2;
      for (size_t i : {c + lane, c + lane + 1, c + lane + 4})
        p.w_q[j * s.k + i] = h % 2 ? int8_t{-127} : int8_t{127};
    }
    const PreparedLinear layer = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k);
    SCOPED_TRACE(flat ? "flat weights" : "weights with heavy lanes");
    expect_matches_dequantized_reference(p, layer, {Activation::None, false, false});
  }
}

// Row counts whose row blocks, rounded up to whole tiles, used to leave a block starting just past
// the last row: BGE-M3's feed-forward output (k = 4096) at 721 rows divided by zero tiles (SIGFPE);
// k = 3072 at 1,345 rows likewise.
TEST(PreparedLinear, Int8RowBlocksNeverStartPastTheLastRow) {
  for (const Shape& s : {Shape{721, 4096, 20}, Shape{1345, 3072, 3}}) {
    const Problem p(s);
    const PreparedLinear layer = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k);
    expect_matches_dequantized_reference(p, layer, {Activation::None, true, false});
  }
}

// Cosine similarity of each output row (over its n values) to the FP32 result.
void expect_rows_close(const std::vector<float>& y, const std::vector<float>& f32, size_t m,
                       size_t n, double min_cosine) {
  for (size_t i = 0; i < m; ++i) {
    double dot = 0, a = 0, b = 0;
    for (size_t j = 0; j < n; ++j) {
      dot += double(y[i * n + j]) * f32[i * n + j];
      a += double(y[i * n + j]) * y[i * n + j];
      b += double(f32[i * n + j]) * f32[i * n + j];
    }
    ASSERT_GE(dot / std::sqrt(a * b), min_cosine) << "row " << i;
  }
}

const Shape kLayerShape = {16, 1024, 384};  // a short query through a wide layer

TEST(PreparedLinear, Int8IsCloseToF32) {
  const Problem p(kLayerShape);
  const PreparedLinear layer =
      PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), kLayerShape.n, kLayerShape.k);
  for (const Epilogue& e : all_epilogues()) {
    SCOPED_TRACE(describe(kLayerShape, e));
    expect_rows_close(p.run(layer, e), p.run_f32(e), kLayerShape.m, kLayerShape.n, 0.999);
  }
}

// Prepares BF16 weights with each way of multiplying them that oneDNN offers here.
class Bf16Test : public ::testing::TestWithParam<Bf16Compute> {
 protected:
  void SetUp() override {
    saved_ = bf16_compute();
    set_bf16_compute_for_testing(GetParam());
  }
  void TearDown() override { set_bf16_compute_for_testing(saved_); }
  // Null when oneDNN has no bf16 matmul on this CPU (below AVX-512).
  std::unique_ptr<PreparedLinear> prepare(const Problem& p) {
    try {
      return std::make_unique<PreparedLinear>(
          PreparedLinear::bf16(p.w.data(), p.shape.n, p.shape.k));
    } catch (const std::runtime_error& e) {
      if (GetParam() == Bf16Compute::Bf16 && std::strstr(e.what(), "no implementation"))
        return nullptr;
      throw;
    }
  }

 private:
  Bf16Compute saved_ = Bf16Compute::WidenToF32;
};

TEST_P(Bf16Test, IsCloseToF32) {
  for (const Shape& s : {kShapes[1], kShapes[5], kShapes[6], kLayerShape}) {
    const Problem p(s);
    const auto layer = prepare(p);
    if (!layer) GTEST_SKIP() << "oneDNN has no bf16 matmul on this CPU";
    EXPECT_EQ(layer->format(), WeightFormat::BF16);
    EXPECT_GE(layer->packed_bytes(), 2 * s.n * s.k);
    for (const Epilogue& e : all_epilogues()) {
      SCOPED_TRACE(describe(s, e));
      const std::vector<float> y = p.run(*layer, e), f32 = p.run_f32(e);
      // Each product carries at most two bf16 roundings (2⁻⁹ relative each) of its factors.
      for (size_t i = 0; i < s.m; ++i)
        for (size_t j = 0; j < s.n; ++j)
          ASSERT_NEAR(y[i * s.n + j], f32[i * s.n + j], 2.5e-3 * magnitude(p, e, i, j) + 1e-5)
              << i << "," << j;
      if (s.n >= 33 && e.activation != Activation::Relu)
        expect_rows_close(y, f32, s.m, s.n, 0.9999);
    }
  }
}

TEST_P(Bf16Test, Bf16BitsGiveTheSameResultAsRoundedFloats) {
  const Problem p(kShapes[6]);
  const auto from_floats = prepare(p);
  if (!from_floats) GTEST_SKIP() << "oneDNN has no bf16 matmul on this CPU";
  std::vector<uint16_t> bits(p.w.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    uint32_t u;
    std::memcpy(&u, &p.w[i], sizeof u);
    bits[i] = uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
  const PreparedLinear from_bits = PreparedLinear::bf16_bits(bits.data(), p.shape.n, p.shape.k);
  const Epilogue e = {Activation::GeluErf, true, false};
  EXPECT_EQ(p.run(from_bits, e), p.run(*from_floats, e));
}

// Widened to f32, BF16 weights are FP32 weights that happen to be bf16 values. Kept in bf16 (half
// FP32's bytes) for our panel GEMMs or widened per call for oneDNN, the results must equal FP32's
// on the rounded weights bit for bit where both run the same kernel: with VNNI panels up to 48
// rows (the same products summed in the same order), oneDNN above 128, and in between bf16 panels
// meet oneDNN within float rounding; on AVX2 our panels at every row count. k = 100 takes the
// path that widens once at preparation.
TEST(PreparedLinear, Bf16WidenedToF32EqualsF32OfRoundedWeights) {
  struct Restore {
    Bf16Compute saved = bf16_compute();
    ~Restore() { set_bf16_compute_for_testing(saved); }
  } restore;
  set_bf16_compute_for_testing(Bf16Compute::WidenToF32);
  for (const Shape& s :
       {Shape{1, 1024, 96}, Shape{16, 64, 1031}, Shape{48, 256, 200}, Shape{49, 256, 200},
        Shape{128, 512, 70}, Shape{129, 256, 200}, Shape{300, 1024, 130}, Shape{7, 64, 1},
        Shape{16, 100, 70}, Shape{17, 256, 200}}) {
    const Problem p(s);
    std::vector<float> rounded(p.w.size());
    for (size_t i = 0; i < rounded.size(); ++i) rounded[i] = test::from_bf16(test::to_bf16(p.w[i]));
    const PreparedLinear bf16 = PreparedLinear::bf16(p.w.data(), s.n, s.k);
    const PreparedLinear f32 = PreparedLinear::f32(rounded.data(), s.n, s.k);
    const bool kept_in_bf16 = (vnni_active() || active_isa() == Isa::Avx2) && s.k % 16 == 0;
    if (kept_in_bf16) {
      EXPECT_EQ(bf16.packed_bytes(), sizeof(uint16_t) * ((s.n + 63) / 64 * 64) * s.k)
          << describe(s, {});
    }
    const bool same_kernel = !kept_in_bf16 || !vnni_active() || s.m <= 48 || s.m > 128;
    for (const Epilogue& e : all_epilogues()) {
      SCOPED_TRACE(describe(s, e));
      const std::vector<float> y = p.run(bf16, e), expected = p.run(f32, e);
      if (same_kernel) {
        ASSERT_EQ(y, expected);
        continue;
      }
      for (size_t i = 0; i < s.m; ++i)
        for (size_t j = 0; j < s.n; ++j)
          ASSERT_NEAR(y[i * s.n + j], expected[i * s.n + j], 1e-5 * magnitude(p, e, i, j) + 1e-6)
              << i << "," << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Compute, Bf16Test,
                         ::testing::Values(Bf16Compute::Bf16, Bf16Compute::WidenToF32),
                         [](const ::testing::TestParamInfo<Bf16Compute>& info) {
                           return info.param == Bf16Compute::Bf16 ? "Bf16" : "WidenToF32";
                         });

// Each of row_counts rows, taken from the end of s.m rows, must come out of the INT8 layer with
// the bits they have in the whole batch.
void expect_int8_rows_independent_of_batch(const Shape& s, const Epilogue& e,
                                           const std::vector<size_t>& row_counts) {
  const Problem p(s);
  const PreparedLinear layer = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k);
  const std::vector<float> all = p.run(layer, e);
  for (size_t m : row_counts) {
    std::vector<float> y(m * s.n);
    layer.apply(p.x.data() + (s.m - m) * s.k, m, y.data(), p.epilogue(e));
    ASSERT_EQ(y, std::vector<float>(all.end() - m * s.n, all.end())) << "m=" << m;
  }
}

// The packed weights serve every batch size, and rows do not influence each other: INT8 sums are
// exact integers, so each row must come out bit-identical whatever the batch it is part of.
TEST(PreparedLinear, Int8RowsAreIndependentOfBatchSize) {
  expect_int8_rows_independent_of_batch({600, 256, 80}, {Activation::GeluErf, true, false},
                                        {1, 2, 3, 5, 8, 13, 16, 17, 64, 100, 513});
}

// The same across row blocks: at k = 4096 our VNNI GEMM splits rows into blocks of ~64 rounded up
// to whole tiles, and each row count splits them differently (721-725 rows once left an empty
// block that divided by zero). Every count from 700 to 760 must give each row the same bits.
TEST(PreparedLinear, Int8RowsAreIndependentOfTheirRowBlocks) {
  std::vector<size_t> row_counts;
  for (size_t m = 700; m <= 760; ++m) row_counts.push_back(m);
  expect_int8_rows_independent_of_batch({760, 4096, 8}, {Activation::None, true, false},
                                        row_counts);
}

// With VNNI, 16 rows take our panel GEMMs for every format; 64 rows oneDNN's matmul for F32;
// 200 rows oneDNN for BF16 too, on weights widened into each calling thread's scratch.
TEST(PreparedLinear, ConcurrentCallsFromSeveralThreadsAgree) {
  for (const Shape& s : {Shape{16, 256, 128}, Shape{64, 256, 128}, Shape{200, 256, 128}}) {
    const Problem p(s);
    std::vector<PreparedLinear> layers = {
        PreparedLinear::f32(p.w.data(), s.n, s.k), PreparedLinear::bf16(p.w.data(), s.n, s.k),
        PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k)};
    const Epilogue e = {Activation::GeluErf, true, true};
    for (const PreparedLinear& layer : layers) {
      SCOPED_TRACE(describe(s, e));
      const std::vector<float> expected = p.run(layer, e);
      std::vector<std::vector<float>> results(4);
      std::vector<std::thread> threads;
      for (auto& y : results)
        threads.emplace_back([&] {
          for (int rep = 0; rep < 10; ++rep) y = p.run(layer, e);
        });
      for (auto& t : threads) t.join();
      for (const auto& y : results) EXPECT_EQ(y, expected);
    }
  }
}

// apply_then(x) against the two applies it stands for. With INT8 weights on our VNNI GEMM the
// intermediate is rounded to bf16 on the way (the GEMM rounds its f32 results to nearest even,
// the quantizer widens them exactly), so the reference rounds it too; elsewhere it is f32 and
// the results are the same. Both compare exactly.
TEST(PreparedLinear, ChainedLinearsMatchTwoApplies) {
  for (const Shape& s : {Shape{7, 33, 100}, Shape{16, 64, 1031}, Shape{300, 256, 384}}) {
    const Problem p(s);
    const size_t n2 = 70;
    const std::vector<float> w2 = random_floats(n2 * s.n, -0.3f, 0.3f, 61);
    const std::vector<float> bias2 = random_floats(n2, -1.0f, 1.0f, 62);
    std::vector<int8_t> w2_q(w2.size());
    std::vector<float> w2_scales(n2);
    quantize_rows_symmetric(w2.data(), n2, s.n, w2_q.data(), w2_scales.data());
    const LinearEpilogue first = p.epilogue({Activation::GeluErf, true, false});
    const LinearEpilogue second = {bias2.data(), Activation::None, true};
    const std::vector<float> y0 = random_floats(s.m * n2, -1.0f, 1.0f, 63);
    const std::pair<PreparedLinear, PreparedLinear> pairs[] = {
        {PreparedLinear::f32(p.w.data(), s.n, s.k), PreparedLinear::f32(w2.data(), n2, s.n)},
        {PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k),
         PreparedLinear::int8(w2_q.data(), w2_scales.data(), n2, s.n)}};
    for (const auto& [layer, next] : pairs) {
      SCOPED_TRACE(testing::Message() << "m=" << s.m << " k=" << s.k << " n=" << s.n << " format "
                                      << int(layer.format()));
      std::vector<float> middle(s.m * s.n), expected = y0, y = y0;
      layer.apply(p.x.data(), s.m, middle.data(), first);
      if (layer.format() == WeightFormat::Int8 && vnni_active())
        for (float& v : middle) v = test::from_bf16(test::to_bf16(v));
      next.apply(middle.data(), s.m, expected.data(), second);
      layer.apply_then(p.x.data(), s.m, first, next, second, y.data());
      ASSERT_EQ(y, expected);
    }
  }
}

// apply_bf16 rounds apply's results to nearest even, exactly; layers without it say so.
TEST(PreparedLinear, Bf16OutputIsTheRoundedF32Output) {
  const Problem p({17, 256, 200});
  const PreparedLinear int8 = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), 200, 256);
  const PreparedLinear f32 = PreparedLinear::f32(p.w.data(), 200, 256);
  const LinearEpilogue epilogue = p.epilogue({Activation::GeluErf, true, false});
  std::vector<uint16_t> y(17 * 200);
  EXPECT_FALSE(f32.has_bf16_output());
  EXPECT_THROW(f32.apply_bf16(p.x.data(), 17, y.data(), epilogue), std::logic_error);
  EXPECT_EQ(int8.has_bf16_output(), vnni_active());
  if (!int8.has_bf16_output()) GTEST_SKIP() << "bf16 outputs need our VNNI GEMM";
  EXPECT_THROW(
      int8.apply_bf16(p.x.data(), 17, y.data(), p.epilogue({Activation::None, false, true})),
      std::logic_error);
  std::vector<float> expected(17 * 200);
  int8.apply(p.x.data(), 17, expected.data(), epilogue);
  int8.apply_bf16(p.x.data(), 17, y.data(), epilogue);
  for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], test::to_bf16(expected[i])) << i;
}

// The encoder adds the feed-forward block's result to its own input in place.
TEST(PreparedLinear, ChainedLinearsMayWriteTheirInput) {
  for (const Shape& s : {Shape{16, 64, 128}, Shape{300, 256, 512}}) {
    const Problem p(s);
    const std::vector<float> w2 = random_floats(s.k * s.n, -0.3f, 0.3f, 64);
    std::vector<int8_t> w2_q(w2.size());
    std::vector<float> w2_scales(s.k);
    quantize_rows_symmetric(w2.data(), s.k, s.n, w2_q.data(), w2_scales.data());
    const PreparedLinear pairs[][2] = {
        {PreparedLinear::f32(p.w.data(), s.n, s.k), PreparedLinear::f32(w2.data(), s.k, s.n)},
        {PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), s.n, s.k),
         PreparedLinear::int8(w2_q.data(), w2_scales.data(), s.k, s.n)}};
    const LinearEpilogue first = p.epilogue({Activation::GeluErf, true, false});
    const LinearEpilogue second = {nullptr, Activation::None, true};
    for (const auto& [layer, next] : pairs) {
      std::vector<float> expected = p.x, x = p.x;
      layer.apply_then(p.x.data(), s.m, first, next, second, expected.data());
      layer.apply_then(x.data(), s.m, first, next, second, x.data());
      ASSERT_EQ(x, expected) << "m=" << s.m << " format " << int(layer.format());
    }
  }
}

TEST(PreparedLinear, ChainedLinearsMustFitEachOther) {
  const Problem p({2, 8, 4});
  const PreparedLinear layer = PreparedLinear::f32(p.w.data(), 4, 8);
  const PreparedLinear next = PreparedLinear::f32(p.w.data(), 8, 4);  // 4 inputs: fits
  std::vector<float> y(2 * 8);
  layer.apply_then(p.x.data(), 2, {}, next, {}, y.data());
  try {
    layer.apply_then(p.x.data(), 2, {}, layer, {}, y.data());
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("4 outputs feed 8 inputs"), std::string::npos) << e.what();
  }
}

TEST(PreparedLinear, EmptyBatchIsANoOp) {
  const Problem p({1, 3, 2});
  const PreparedLinear layer = PreparedLinear::int8(p.w_q.data(), p.w_scales.data(), 2, 3);
  layer.apply(nullptr, 0, nullptr, {});
}

TEST(PreparedLinear, NonFiniteInt8ScaleIsAnError) {
  const std::vector<int8_t> w(6, 1);
  const std::vector<float> scales = {1.0f, NAN};
  try {
    PreparedLinear::int8(w.data(), scales.data(), 2, 3);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("scale of output 1 is not finite"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace embed::kernels
