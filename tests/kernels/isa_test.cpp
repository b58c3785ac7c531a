#include "kernels/isa.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "kernels/kernel_table.h"

namespace embed::kernels {
namespace {

TEST(Isa, GenericIsAlwaysSupported) {
  EXPECT_TRUE(cpu_supports(Isa::Generic));
}

TEST(Isa, DefaultIsTheWidestSupported) {
  const Isa widest = cpu_supports(Isa::Avx512) ? Isa::Avx512
                     : cpu_supports(Isa::Avx2) ? Isa::Avx2
                                               : Isa::Generic;
  EXPECT_EQ(select_isa(nullptr), widest);
  EXPECT_EQ(select_isa(""), widest);
}

TEST(Isa, ForcingBySupportedName) {
  for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512}) {
    if (cpu_supports(isa)) {
      EXPECT_EQ(select_isa(isa_name(isa)), isa);
    }
  }
}

TEST(Isa, ForcingAnUnknownNameIsAnError) {
  EXPECT_THROW(select_isa("sse9"), std::runtime_error);
  EXPECT_THROW(select_isa("AVX2"), std::runtime_error);
}

TEST(Isa, ForcingAnUnsupportedIsaIsAnError) {
  bool tested = false;
  for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
    if (cpu_supports(isa)) continue;
    EXPECT_THROW(select_isa(isa_name(isa)), std::runtime_error);
    EXPECT_THROW(set_isa_for_testing(isa), std::runtime_error);
    tested = true;
  }
  if (!tested) GTEST_SKIP() << "this CPU supports every ISA";
}

TEST(Isa, VnniOnlyUnderAvx512) {
  const Isa saved = active_isa();
  set_isa_for_testing(Isa::Generic);
  EXPECT_FALSE(vnni_active());
  if (cpu_supports(Isa::Avx2)) {
    set_isa_for_testing(Isa::Avx2);
    EXPECT_FALSE(vnni_active());
  }
  if (cpu_supports(Isa::Avx512)) {
    set_isa_for_testing(Isa::Avx512);
    EXPECT_EQ(vnni_active(), bool(__builtin_cpu_supports("avx512vnni")));
  }
  set_isa_for_testing(saved);
}

TEST(Isa, SetForTestingSwitchesTheTable) {
  const Isa saved = active_isa();
  set_isa_for_testing(Isa::Generic);
  EXPECT_EQ(active_isa(), Isa::Generic);
  EXPECT_EQ(&kernel_table(), &kernel_table_generic);
  set_isa_for_testing(saved);
  EXPECT_EQ(active_isa(), saved);
}

}  // namespace
}  // namespace embed::kernels
