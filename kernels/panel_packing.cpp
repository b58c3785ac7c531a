// Packing of the panel GEMMs' weights, and their partial-sums scratch: the STL code that
// panel_gemm.cpp must not emit.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/block_memory.h"
#include "kernels/grown_buffer.h"
#include "kernels/panel_gemm.h"
#include "kernels/parallel.h"

namespace embed::kernels {
namespace {

size_t panel_count(size_t n) {
  return (n + kPanelWidth - 1) / kPanelWidth;
}

// Rows of `row_bytes` bytes, one per output channel, as panels whose steps hold 4 consecutive
// bytes of each of kPanelWidth channels (4 int8 inputs, or 2 bf16 ones); the padding is zero.
void* pack_lanes(const std::byte* w, size_t n, size_t row_bytes) {
  const size_t steps = (row_bytes + 3) / 4, panel_bytes = steps * kPanelStepBytes;
  auto* data = static_cast<std::byte*>(allocate_block(panel_count(n) * panel_bytes));
  // Panels in parallel: packing BGE-M3's weights on one thread was a fifth of its load time.
  parallel_ranges(panel_count(n), row_bytes * kPanelWidth, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      std::byte* panel = data + p * panel_bytes;
      const size_t j0 = p * kPanelWidth, cols = std::min(kPanelWidth, n - j0);
      // Only a panel with padding (missing channels, or a partial last step) needs zeros.
      if (cols < kPanelWidth || row_bytes % 4 != 0) std::memset(panel, 0, panel_bytes);
      // Written in order; the reads walk 64 weight rows at once, which stay in cache.
      for (size_t q = 0; q < steps; ++q) {
        std::byte* step = panel + q * kPanelStepBytes;
        const std::byte* from = w + j0 * row_bytes + 4 * q;
        if (4 * q + 4 <= row_bytes) {  // a fixed-size copy compiles to one 32-bit move
          for (size_t c = 0; c < cols; ++c) std::memcpy(step + 4 * c, from + c * row_bytes, 4);
        } else {
          for (size_t c = 0; c < cols; ++c)
            std::memcpy(step + 4 * c, from + c * row_bytes, row_bytes - 4 * q);
        }
      }
    }
  });
  return data;
}

// Keeps the weights of one sign in each int16 lane of the AVX2 GEMM (inputs 8s + {0, 1, 4, 5} or
// 8s + {2, 3, 6, 7} of one output) within kAvx2LaneWeightBudget in magnitude, taking the excess
// off the largest and into corrections. Two weights never exceed it; on BGE-M3-shaped random
// weights ~160 lanes in a million weights do.
// total is the lane's sum of sign · w over its weights of that sign.
void split_lane(int8_t* w, const size_t (&inputs)[4], size_t count, int sign, int total,
                size_t panel_column, std::vector<Int8Correction>& out) {
  while (total > kAvx2LaneWeightBudget) {
    size_t largest = 0;
    for (size_t i = 1; i < count; ++i)
      if (sign * w[inputs[i]] > sign * w[inputs[largest]]) largest = i;
    const int cut = std::min(total - kAvx2LaneWeightBudget, sign * w[inputs[largest]]);
    w[inputs[largest]] = static_cast<int8_t>(w[inputs[largest]] - sign * cut);
    out.push_back({static_cast<uint32_t>(inputs[largest]), static_cast<uint8_t>(panel_column),
                   static_cast<int8_t>(sign * cut)});
    total -= cut;
  }
}

// split_lane for both lanes of the inputs [s, min(s + 8, k)) of one output's weights.
void split_group(int8_t* row, size_t s, size_t k, size_t panel_column,
                 std::vector<Int8Correction>& out) {
  for (const auto& lane : kAvx2LaneInputs) {
    size_t inputs[4], count = 0;
    for (const size_t offset : lane)
      if (s + offset < k) inputs[count++] = s + offset;
    int positive = 0, negative = 0;
    for (size_t i = 0; i < count; ++i)
      (row[inputs[i]] > 0 ? positive : negative) += std::abs(int{row[inputs[i]]});
    for (const auto& [sign, total] : {std::pair{1, positive}, std::pair{-1, negative}})
      if (total > kAvx2LaneWeightBudget)
        split_lane(row, inputs, count, sign, total, panel_column, out);
  }
}

// Splits w's lanes into packed's corrections, unless that takes more than `limit` corrections:
// then returns false as soon as they pass it, with w and packed partly split.
bool split_for_avx2(int8_t* w, size_t n, size_t k, size_t limit, Int8Panels& packed) {
  const size_t panels = panel_count(n);
  std::vector<std::vector<Int8Correction>> per_panel(panels);
  std::atomic<size_t> total{0};
  parallel_ranges(panels, k * kPanelWidth / 4, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p)
      for (size_t j = p * kPanelWidth; j < std::min(n, (p + 1) * kPanelWidth); ++j) {
        if (total.load(std::memory_order_relaxed) > limit) return;
        const size_t before = per_panel[p].size();
        int8_t* row = w + j * k;
        const size_t column = j - p * kPanelWidth;
        size_t s = 0;
        // Screened by the lanes' Σ|w|, which bounds each sign's sum: the full check for a few in
        // a hundred (BGE-M3's INT8 load took 1.3-1.7 s rather than 0.2 with it for all).
        for (; s + 8 <= k; s += 8) {
          bool over = false;
          for (const auto& lane : kAvx2LaneInputs) {
            int magnitude = 0;
            for (const size_t offset : lane) magnitude += std::abs(int{row[s + offset]});
            over = over || magnitude > kAvx2LaneWeightBudget;
          }
          if (over) split_group(row, s, k, column, per_panel[p]);
        }
        if (s < k) split_group(row, s, k, column, per_panel[p]);
        total.fetch_add(per_panel[p].size() - before, std::memory_order_relaxed);
      }
  });
  if (total > limit) return false;
  packed.first_correction.push_back(0);
  for (const auto& corrections : per_panel) {
    packed.corrections.insert(packed.corrections.end(), corrections.begin(), corrections.end());
    packed.first_correction.push_back(static_cast<uint32_t>(packed.corrections.size()));
  }
  if (packed.corrections.empty()) packed.first_correction.clear();
  return true;
}

}  // namespace

int32_t* panel_sums_scratch(size_t count) {
  thread_local AlignedVector<int32_t> sums;
  return grown(sums, count);
}

size_t Int8Panels::bytes() const {
  return panel_count(n) * k_quads * kPanelStepBytes + corrections.size() * sizeof(Int8Correction) +
         first_correction.size() * sizeof(uint32_t);
}

Int8Panels pack_int8_panels(const int8_t* w, size_t n, size_t k, Int8PanelKernel kernel) {
  Int8Panels packed;
  packed.n = n;
  packed.k = k;
  packed.k_quads = (k + 3) / 4;
  std::vector<int8_t> split;
  if (kernel == Int8PanelKernel::Avx2) {
    split.assign(w, w + n * k);
    // Each correction costs each row a scalar multiply-add: past the limit the pairs would not pay,
    // and the split stops there (a flat matrix of BGE-M3's size would take a second or so).
    packed.pair_steps =
        split_for_avx2(split.data(), n, k, n * k / kAvx2WeightsPerCorrection, packed);
    if (packed.pair_steps) w = split.data();
  }
  packed.data = std::shared_ptr<int8_t[]>(
      static_cast<int8_t*>(pack_lanes(reinterpret_cast<const std::byte*>(w), n, k)), std::free);
  return packed;
}

size_t Bf16Panels::bytes() const {
  return panel_count(n) * (k / 2) * kPanelStepBytes;
}

Bf16Panels pack_bf16_panels(const uint16_t* w, size_t n, size_t k) {
  if (k % 2 != 0)
    throw std::invalid_argument("bf16 panels need an even number of inputs, got " +
                                std::to_string(k));
  Bf16Panels packed;
  packed.n = n;
  packed.k = k;
  packed.data = std::shared_ptr<uint16_t[]>(
      static_cast<uint16_t*>(pack_lanes(reinterpret_cast<const std::byte*>(w), n, 2 * k)),
      std::free);
  return packed;
}

}  // namespace embed::kernels
