#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "tests/kernels/kernel_test_support.h"

namespace embed::kernels {
namespace {

// Packed sequences in one fused [tokens][3·hidden] Q|K|V buffer, as the encoder produces it, and
// an output with padding in its row stride to check that ld_out is honoured.
struct Problem {
  std::vector<size_t> offsets;
  size_t heads, head_dim;
  std::vector<float> qkv;
  AttentionShape shape;

  Problem(const std::vector<size_t>& lengths, size_t heads_, size_t head_dim_)
      : offsets{0}, heads(heads_), head_dim(head_dim_) {
    for (size_t len : lengths) offsets.push_back(offsets.back() + len);
    const size_t hidden = heads * head_dim;
    qkv = test::random_floats(tokens() * 3 * hidden, -1.0f, 1.0f, 51);
    shape = {heads, head_dim, 3 * hidden, hidden + 5, 1.0f / std::sqrt(float(head_dim))};
  }
  size_t tokens() const { return offsets.back(); }
  size_t hidden() const { return heads * head_dim; }
  const float* q() const { return qkv.data(); }
  const float* k() const { return qkv.data() + hidden(); }
  const float* v() const { return qkv.data() + 2 * hidden(); }

  std::vector<float> run(AttentionPrecision precision = AttentionPrecision::F32) const {
    std::vector<float> out(tokens() * shape.ld_out, NAN);
    packed_attention(q(), k(), v(), out.data(), offsets.data(), offsets.size() - 1, shape,
                     precision);
    return out;
  }

  // Textbook attention in double: the full L × L score matrix per (sequence, head).
  std::vector<double> reference() const {
    std::vector<double> out(tokens() * shape.ld_out, 0.0);
    const size_t ld = shape.ld_qkv;
    for (size_t s = 0; s + 1 < offsets.size(); ++s) {
      const size_t first = offsets[s], len = offsets[s + 1] - first;
      for (size_t h = 0; h < heads; ++h) {
        for (size_t i = 0; i < len; ++i) {
          std::vector<double> p(len);
          double max = -INFINITY, sum = 0;
          for (size_t j = 0; j < len; ++j) {
            double dot = 0;
            for (size_t c = 0; c < head_dim; ++c)
              dot += double(q()[(first + i) * ld + h * head_dim + c]) *
                     k()[(first + j) * ld + h * head_dim + c];
            p[j] = dot * shape.scale;
            max = std::max(max, p[j]);
          }
          for (double& x : p) sum += x = std::exp(x - max);
          for (size_t c = 0; c < head_dim; ++c) {
            double acc = 0;
            for (size_t j = 0; j < len; ++j) acc += p[j] * v()[(first + j) * ld + h * head_dim + c];
            out[(first + i) * shape.ld_out + h * head_dim + c] = acc / sum;
          }
        }
      }
    }
    return out;
  }
};

class AttentionTest : public test::PerIsaTest {};

// Largest and root-mean-square error against the reference, over the output's real columns.
struct Errors {
  double max = 0, rms = 0;
};

Errors errors(const Problem& p, AttentionPrecision precision) {
  const std::vector<float> out = p.run(precision);
  const std::vector<double> expected = p.reference();
  Errors e;
  for (size_t t = 0; t < p.tokens(); ++t)
    for (size_t c = 0; c < p.hidden(); ++c) {
      const size_t i = t * p.shape.ld_out + c;
      const double diff = std::abs(out[i] - expected[i]);
      EXPECT_TRUE(std::isfinite(out[i])) << "token " << t << " column " << c;
      e.max = std::max(e.max, diff);
      e.rms += diff * diff;
    }
  e.rms = std::sqrt(e.rms / double(p.tokens() * p.hidden()));
  return e;
}

void expect_matches_reference(const Problem& p) {
  EXPECT_LE(errors(p, AttentionPrecision::F32).max, 1e-5);
}

// INT8 attention with Q, K, V in [-1, 1]. Rounding V to 127 levels per channel moves an output
// by up to 1/254 ≈ 0.004 (a one-key sequence returns its value); scores from 8-bit Q and K are
// off by ~2e-3 (rms, at scale 1/8), and u8 probabilities by up to one unit in 255 of their block's
// maximum, each shifting the weighted mean by a fraction of that (on AVX2: 7-bit Q and
// probabilities, 127 levels of their block's maximum). Without INT8 attention (the generic ISA)
// the F32 path runs.
void expect_int8_matches_reference(const Problem& p, double max_error, double rms_error) {
  const Errors e = errors(p, AttentionPrecision::Int8);
  if (!int8_attention_available()) {
    EXPECT_LE(e.max, 1e-5) << "the F32 path";
    return;
  }
  std::printf("[int8 attention] max error %.5f, rms %.5f\n", e.max, e.rms);
  EXPECT_LE(e.max, max_error);
  EXPECT_LE(e.rms, rms_error);
}

TEST_P(AttentionTest, SequencesOfDifferentLengthsMatchReference) {
  expect_matches_reference(Problem({1, 5, 70, 300}, 3, 64));
}

TEST_P(AttentionTest, OddHeadDimension) {
  expect_matches_reference(Problem({7, 65, 1}, 2, 33));
}

// Head dimension 32 (MiniLM, bge-small) runs 12-row tiles on AVX-512 (two chunks of 16 columns
// on AVX2); 1100 tokens take several query tiles and blocks of values, and scores spread over ±20
// test the max subtraction.
TEST_P(AttentionTest, LongSequenceWithHeadDimension32) {
  Problem p({1100, 3}, 2, 32);
  p.shape.scale = 1.0f;
  expect_matches_reference(p);
}

// The largest error those allow on AVX2 is larger: channels of V whose values of one sign could
// overflow an int16 lane (four keys, see Int8UniformAttentionOverExtremeValues) keep fewer
// levels, for uniform values ~95 of 127 on average and 67 at least (1/134 ≈ 0.0075).
double uniform_max_error() {
  return vnni_active() ? 0.006 : 0.008;
}

TEST_P(AttentionTest, Int8SequencesOfDifferentLengthsMatchReference) {
  // 300 tokens: several query tiles and key blocks, and padding at the end of each.
  expect_int8_matches_reference(Problem({1, 5, 70, 300}, 3, 64), uniform_max_error(), 0.0015);
}

TEST_P(AttentionTest, Int8OddHeadDimension) {
  expect_int8_matches_reference(Problem({7, 65, 1}, 2, 33), uniform_max_error(), 0.0015);
}

TEST_P(AttentionTest, Int8HeadDimensionOverOneChunkOfChannels) {
  // 80 channels: P·V runs one chunk of 64 and one of 16.
  expect_int8_matches_reference(Problem({130, 9}, 2, 80), uniform_max_error(), 0.0015);
}

TEST_P(AttentionTest, Int8PeakedAttentionOverALongSequence) {
  // Scale 1 instead of 1/√64: scores spread over ±10, so most of the weight sits on a few keys
  // and the rest spans many of the probabilities' 8 bits; the running maximum moves block to block.
  Problem p({1500, 3}, 2, 64);
  p.shape.scale = 1.0f;
  expect_int8_matches_reference(p, 0.03, 0.004);
}

TEST_P(AttentionTest, Int8AttentionSinkKeepsTheRestOfTheWeight) {
  // Key 0 outscores every other key by ~7.5 (e^7.5 ≈ 1800), as attention sinks do, yet the 2047
  // others together carry half the weight. Rounded against the sink, each of them is 0.14 of a
  // u8 unit: losing them all would move outputs by ~0.25. The kernel quantizes per block of keys
  // (only the sink's own block is affected) with unbiased (dithered) rounding; measured max 0.017,
  // rms 0.0043 with VNNI, and max 0.022, rms 0.0068 on AVX2, whose probabilities keep 7 bits.
  Problem p({2048}, 1, 64);
  const size_t ld = p.shape.ld_qkv;
  for (size_t t = 0; t < p.tokens(); ++t) p.qkv[t * ld] = 1.0f;  // every query's channel 0
  for (size_t c = 0; c < 64; ++c) p.qkv[p.hidden() + c] = c == 0 ? 60.0f : 0.0f;  // key 0
  expect_int8_matches_reference(p, 0.03, vnni_active() ? 0.006 : 0.008);
}

// Q and K at the ends of their quantized ranges, where the u8·s8 products are largest: without
// VNNI, vpmaddubsw adds them in pairs in int16, which must not saturate, and two steps' pairs are
// added into int16 lanes of four products, which must not wrap. Key j has its first j % 65
// channels at 1 and the rest at 0, so its score grows with that count (0 to 16); saturated pairs
// would flatten the largest scores and move the weight to other keys (on AVX2 with 8-bit queries:
// max error 0.24, rms 0.10; measured 0.0042 and 0.0015 with 7-bit ones), wrapped lanes scramble
// them (max error 0.42 before such keys kept fewer levels).
TEST_P(AttentionTest, Int8ExtremeProductsDoNotSaturate) {
  Problem p({200}, 2, 64);
  p.shape.scale = 0.25f;
  const size_t ld = p.shape.ld_qkv;
  for (size_t t = 0; t < p.tokens(); ++t)
    for (size_t c = 0; c < p.hidden(); ++c) {
      p.qkv[t * ld + c] = 1.0f;
      p.qkv[t * ld + p.hidden() + c] = c % 64 < t % 65 ? 1.0f : 0.0f;
    }
  expect_int8_matches_reference(p, 0.02, 0.005);
}

// Without VNNI two steps' int16 pairs are added before widening, so an int16 lane sums four u8·s8
// products, which wrap past 32767 unless the s8 of one sign in the lane stay small enough
// (avx2_u8s8.h): the kernel quantizes such keys (above) and channels of values to fewer levels.
// Here every probability is at its maximum (zero queries: equal scores) and every value is ±1, so
// at 127 levels a lane of P·V would sum 4 · 127 · 127 (max error 1.0 before the kernel kept the
// bound). Each output is its channel's value.
TEST_P(AttentionTest, Int8UniformAttentionOverExtremeValues) {
  Problem p({300}, 2, 64);
  const size_t ld = p.shape.ld_qkv;
  for (size_t t = 0; t < p.tokens(); ++t)
    for (size_t c = 0; c < p.hidden(); ++c) {
      p.qkv[t * ld + c] = 0.0f;
      p.qkv[t * ld + 2 * p.hidden() + c] = c % 3 == 0 ? -1.0f : 1.0f;
    }
  expect_int8_matches_reference(p, 1e-5, 1e-5);
}

TEST_P(AttentionTest, SequenceResultIsIndependentOfTheOthers) {
  for (AttentionPrecision precision : {AttentionPrecision::F32, AttentionPrecision::Int8}) {
    Problem p({5, 70, 300, 1}, 4, 64);
    const std::vector<float> before = p.run(precision);
    // Rewrite every other sequence's Q, K and V; sequence 1 must not change in any bit.
    for (size_t s : {size_t{0}, size_t{2}, size_t{3}})
      for (size_t t = p.offsets[s]; t < p.offsets[s + 1]; ++t)
        for (size_t c = 0; c < p.shape.ld_qkv; ++c) p.qkv[t * p.shape.ld_qkv + c] = 100.0f;
    const std::vector<float> after = p.run(precision);
    for (size_t t = p.offsets[1]; t < p.offsets[2]; ++t)
      for (size_t c = 0; c < p.hidden(); ++c)
        ASSERT_EQ(after[t * p.shape.ld_out + c], before[t * p.shape.ld_out + c]) << t << "," << c;
  }
}

// The engine runs a batch's short and long sequences in separate calls: a run of sequences that
// starts past row 0 gets exactly the rows the whole batch's call gives them.
TEST_P(AttentionTest, RunOfSequencesPastRowZero) {
  for (AttentionPrecision precision : {AttentionPrecision::F32, AttentionPrecision::Int8}) {
    const Problem p({300, 70, 5}, 4, 64);
    const std::vector<float> whole = p.run(precision);
    std::vector<float> run(whole.size(), NAN);
    packed_attention(p.q(), p.k(), p.v(), run.data(), p.offsets.data() + 1, 2, p.shape, precision);
    for (size_t t = p.offsets[1]; t < p.tokens(); ++t)
      for (size_t c = 0; c < p.hidden(); ++c)
        ASSERT_EQ(run[t * p.shape.ld_out + c], whole[t * p.shape.ld_out + c]) << t << "," << c;
    for (size_t c = 0; c < p.hidden(); ++c) ASSERT_TRUE(std::isnan(run[c])) << "row 0 is not ours";
  }
}

// One query row per sequence (the encoder's last layer under CLS or last-token pooling): each
// gets, in its sequence's output row, its row of the whole result: bit for bit on our F32 tiles
// (AVX-512, AVX2) and INT8 kernels, to rounding on oneDNN's sgemm (which head size 40, or the
// generic ISA, takes).
TEST_P(AttentionTest, QueryRowsGetTheirRowsOfTheWholeResult) {
  for (size_t head_dim : {64, 40})
    for (AttentionPrecision precision : {AttentionPrecision::F32, AttentionPrecision::Int8}) {
      const bool ours = (precision == AttentionPrecision::Int8 && int8_attention_available()) ||
                        (active_isa() != Isa::Generic && head_dim == 64);
      const Problem p({300, 70, 5, 1}, 4, head_dim);
      const std::vector<float> whole = p.run(precision);
      const std::vector<size_t> query_rows = {0, 69, 2, 0};
      std::vector<float> out(query_rows.size() * p.shape.ld_out, NAN);
      packed_attention(p.q(), p.k(), p.v(), out.data(), p.offsets.data(), query_rows.size(),
                       p.shape, precision, query_rows.data());
      for (size_t s = 0; s < query_rows.size(); ++s)
        for (size_t c = 0; c < p.hidden(); ++c)
          ASSERT_NEAR(out[s * p.shape.ld_out + c],
                      whole[(p.offsets[s] + query_rows[s]) * p.shape.ld_out + c], ours ? 0.0 : 1e-6)
              << "head_dim " << head_dim << " sequence " << s << " column " << c;
    }
}

// Q, K, V in bf16 (as INT8 models' QKV linear writes them) give exactly the INT8 result of
// their widened values, odd head sizes, several blocks and a run past row 0 included.
TEST(Int8AttentionFromBf16, MatchesWidenedFloats) {
  if (!vnni_active()) {
    const uint16_t none[1] = {};
    const size_t offsets[] = {0, 1};
    EXPECT_THROW(packed_int8_attention(none, none, none, nullptr, offsets, 1, {1, 1, 3, 1, 1.0f}),
                 std::logic_error);
    GTEST_SKIP() << "INT8 attention needs AVX-512 VNNI";
  }
  for (size_t head_dim : {64, 40}) {
    Problem p({300, 130, 5}, 4, head_dim);
    std::vector<uint16_t> bits(p.qkv.size());
    for (size_t i = 0; i < bits.size(); ++i) {
      bits[i] = test::to_bf16(p.qkv[i]);
      p.qkv[i] = test::from_bf16(bits[i]);
    }
    const size_t first = 1;  // a run of the last two sequences
    const std::vector<float> expected = p.run(AttentionPrecision::Int8);
    std::vector<float> out(expected.size(), NAN);
    packed_int8_attention(bits.data(), bits.data() + p.hidden(), bits.data() + 2 * p.hidden(),
                          out.data(), p.offsets.data() + first, p.offsets.size() - 1 - first,
                          p.shape);
    for (size_t t = p.offsets[first]; t < p.tokens(); ++t)
      for (size_t c = 0; c < p.hidden(); ++c)
        ASSERT_EQ(out[t * p.shape.ld_out + c], expected[t * p.shape.ld_out + c])
            << "head_dim " << head_dim << " token " << t << " column " << c;
  }
}

EMBED_INSTANTIATE_PER_ISA(AttentionTest);

}  // namespace
}  // namespace embed::kernels
