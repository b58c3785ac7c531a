// Packing INT8 weights into panels (kernels/panel_gemm.h), and what packing for the AVX2 GEMM
// moves out of its int16 lanes into corrections.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "kernels/panel_gemm.h"

namespace embed::kernels {
namespace {

// n outputs × k inputs drawn from `values`.
std::vector<int8_t> weights_from(const std::vector<int8_t>& values, size_t n, size_t k) {
  std::mt19937 gen(7);
  std::vector<int8_t> w(n * k);
  for (int8_t& v : w) v = values[gen() % values.size()];
  return w;
}

// Weight (input i, output j) as the panels hold it: panel j / 64, step i / 4, byte 4·(j % 64) +
// i % 4 of the step.
int packed_weight(const Int8Panels& p, size_t i, size_t j) {
  const size_t panel = j / kPanelWidth;
  return p.data[(panel * p.k_quads + i / 4) * kPanelStepBytes + 4 * (j % kPanelWidth) + i % 4];
}

// Every weight packed plus its corrections, [n][k] like the input.
std::vector<int> unpacked(const Int8Panels& p) {
  std::vector<int> w(p.n * p.k);
  for (size_t j = 0; j < p.n; ++j)
    for (size_t i = 0; i < p.k; ++i) w[j * p.k + i] = packed_weight(p, i, j);
  for (size_t panel = 0; panel + 1 < p.first_correction.size(); ++panel)
    for (uint32_t c = p.first_correction[panel]; c < p.first_correction[panel + 1]; ++c) {
      const Int8Correction& x = p.corrections[c];
      w[(panel * kPanelWidth + x.column) * p.k + x.input] += x.weight;
    }
  return w;
}

// Outputs past a panel boundary (130 = 2 · 64 + 2) and inputs ending inside a pair of steps
// (1030 = 128 · 8 + 6).
constexpr size_t kN = 130, kK = 1030;

// Weights within ±40 (lanes within the budget) but for `heavy` lanes of three weights of 127 of
// one sign (381 > 258), as trained weights' rare outliers might meet.
std::vector<int8_t> weights_with_heavy_lanes(size_t heavy) {
  std::vector<int8_t> w(kN * kK);
  std::mt19937 gen(5);
  for (int8_t& v : w) v = static_cast<int8_t>(static_cast<int>(gen() % 81) - 40);
  for (size_t h = 0; h < heavy; ++h) {
    const size_t j = gen() % kN, s = gen() % (kK / 8) * 8, lane = gen() % 2 * 2;
    const int8_t v = h % 2 ? int8_t{-127} : int8_t{127};
    for (size_t i : {s + lane, s + lane + 1, s + lane + 4}) w[j * kK + i] = v;
  }
  return w;
}

TEST(Int8Panels, Avx2PanelsAndCorrectionsAddUpToTheWeights) {
  const std::vector<int8_t> w = weights_with_heavy_lanes(20);
  const Int8Panels p = pack_int8_panels(w.data(), kN, kK, Int8PanelKernel::Avx2);
  EXPECT_TRUE(p.pair_steps);
  EXPECT_GE(p.corrections.size(), 15u);  // some planted lanes may coincide
  EXPECT_EQ(unpacked(p), std::vector<int>(w.begin(), w.end()));
  EXPECT_EQ(p.view().corrections, p.corrections.data());
}

TEST(Int8Panels, Avx2LanesKeepEachSignWithinTheBudget) {
  const std::vector<int8_t> w = weights_with_heavy_lanes(20);
  const Int8Panels p = pack_int8_panels(w.data(), kN, kK, Int8PanelKernel::Avx2);
  for (size_t j = 0; j < kN; ++j)
    for (size_t s = 0; s < kK; s += 8)
      for (size_t lane : {0, 2}) {
        int positive = 0, negative = 0;
        for (size_t i : {s + lane, s + lane + 1, s + lane + 4, s + lane + 5}) {
          const int v = i < kK ? packed_weight(p, i, j) : 0;
          (v > 0 ? positive : negative) += std::abs(v);
        }
        ASSERT_LE(positive, kAvx2LaneWeightBudget) << "output " << j << " inputs from " << s;
        ASSERT_LE(negative, kAvx2LaneWeightBudget) << "output " << j << " inputs from " << s;
      }
}

// Four weights of ±64 sum to 256, within the budget of 258: nothing to split.
TEST(Int8Panels, Avx2PanelsOfSmallWeightsNeedNoCorrections) {
  const std::vector<int8_t> w = weights_from({-64, 64, 3}, kN, kK);
  const Int8Panels p = pack_int8_panels(w.data(), kN, kK, Int8PanelKernel::Avx2);
  EXPECT_TRUE(p.pair_steps);
  EXPECT_TRUE(p.corrections.empty());
  EXPECT_EQ(p.view().corrections, nullptr);
  EXPECT_EQ(unpacked(p), std::vector<int>(w.begin(), w.end()));
}

// Weights this flat would need a correction in most lanes: the panels stay whole, stepped singly.
TEST(Int8Panels, Avx2PanelsOfFlatLargeWeightsGoStepByStep) {
  const std::vector<int8_t> w = weights_from({-127, -90, 60, 127}, kN, kK);
  const Int8Panels p = pack_int8_panels(w.data(), kN, kK, Int8PanelKernel::Avx2);
  EXPECT_FALSE(p.pair_steps);
  EXPECT_FALSE(p.view().pair_steps);
  EXPECT_TRUE(p.corrections.empty());
  EXPECT_EQ(unpacked(p), std::vector<int>(w.begin(), w.end()));
}

TEST(Int8Panels, VnniPanelsHoldTheWeightsAsGiven) {
  const std::vector<int8_t> w = weights_from({-127, -90, -5, 0, 60, 127}, kN, kK);
  const Int8Panels p = pack_int8_panels(w.data(), kN, kK, Int8PanelKernel::Vnni);
  EXPECT_FALSE(p.pair_steps);
  EXPECT_TRUE(p.corrections.empty());
  EXPECT_EQ(unpacked(p), std::vector<int>(w.begin(), w.end()));
}

}  // namespace
}  // namespace embed::kernels
