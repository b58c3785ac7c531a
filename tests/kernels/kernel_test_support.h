#pragma once
// Shared by the kernel suites: run each test once per instruction set the CPU supports, and make
// reproducible random inputs.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/activation.h"
#include "kernels/isa.h"

namespace embed::kernels::test {

inline std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512})
    if (cpu_supports(isa)) isas.push_back(isa);
  return isas;
}

// A fixture parametrised by Isa that makes it the active table for the test's duration.
class PerIsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    saved_ = active_isa();
    set_isa_for_testing(GetParam());
  }
  void TearDown() override { set_isa_for_testing(saved_); }

 private:
  Isa saved_ = Isa::Generic;
};

// Instantiates the PerIsaTest-derived suite `fixture` once per supported ISA, named after it.
#define EMBED_INSTANTIATE_PER_ISA(fixture)                                                \
  INSTANTIATE_TEST_SUITE_P(Isa, fixture,                                                  \
                           ::testing::ValuesIn(::embed::kernels::test::supported_isas()), \
                           ::embed::kernels::test::isa_test_name)

inline std::string isa_test_name(const ::testing::TestParamInfo<Isa>& info) {
  return isa_name(info.param);
}

inline std::vector<float> random_floats(size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// f32 to bf16 bits, rounded to nearest with ties to even (finite inputs), and back.
inline uint16_t to_bf16(float v) {
  const uint32_t u = std::bit_cast<uint32_t>(v);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline float from_bf16(uint16_t bits) {
  return std::bit_cast<float>(uint32_t{bits} << 16);
}

// The activations in double precision: the references the kernels are held to.
inline double reference_activation(Activation act, double v) {
  switch (act) {
    case Activation::GeluErf:
      return 0.5 * v * std::erfc(-v / std::sqrt(2.0));
    case Activation::GeluTanh:
      return 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
    case Activation::Relu:
      return v > 0 ? v : 0.0;
    case Activation::None:
      break;
  }
  return v;
}

}  // namespace embed::kernels::test
