#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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

  std::vector<float> run() const {
    std::vector<float> out(tokens() * shape.ld_out, NAN);
    packed_attention(q(), k(), v(), out.data(), offsets.data(), offsets.size() - 1, shape);
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

void expect_matches_reference(const Problem& p) {
  const std::vector<float> out = p.run();
  const std::vector<double> expected = p.reference();
  for (size_t t = 0; t < p.tokens(); ++t)
    for (size_t c = 0; c < p.hidden(); ++c) {
      const size_t i = t * p.shape.ld_out + c;
      ASSERT_NEAR(out[i], expected[i], 1e-5) << "token " << t << " column " << c;
    }
}

TEST_P(AttentionTest, SequencesOfDifferentLengthsMatchReference) {
  expect_matches_reference(Problem({1, 5, 70, 300}, 3, 64));
}

TEST_P(AttentionTest, OddHeadDimension) {
  expect_matches_reference(Problem({7, 65, 1}, 2, 33));
}

TEST_P(AttentionTest, SequenceResultIsIndependentOfTheOthers) {
  Problem p({5, 70, 300, 1}, 4, 64);
  const std::vector<float> before = p.run();
  // Rewrite every other sequence's Q, K and V; sequence 1 must not change in any bit.
  for (size_t s : {size_t{0}, size_t{2}, size_t{3}})
    for (size_t t = p.offsets[s]; t < p.offsets[s + 1]; ++t)
      for (size_t c = 0; c < p.shape.ld_qkv; ++c) p.qkv[t * p.shape.ld_qkv + c] = 100.0f;
  const std::vector<float> after = p.run();
  for (size_t t = p.offsets[1]; t < p.offsets[2]; ++t)
    for (size_t c = 0; c < p.hidden(); ++c)
      ASSERT_EQ(after[t * p.shape.ld_out + c], before[t * p.shape.ld_out + c]) << t << "," << c;
}

EMBED_INSTANTIATE_PER_ISA(AttentionTest);

}  // namespace
}  // namespace embed::kernels
