#include "kernels/isa.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "kernels/kernel_table.h"

namespace embed::kernels {
namespace {

constexpr Isa kAllIsas[] = {Isa::Generic, Isa::Avx2, Isa::Avx512};

const KernelTable& table_of(Isa isa) {
  switch (isa) {
    case Isa::Avx512:
      return kernel_table_avx512;
    case Isa::Avx2:
      return kernel_table_avx2;
    case Isa::Generic:
      break;
  }
  return kernel_table_generic;
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{select_isa(std::getenv("EMBED_FORCE_ISA"))};
  return isa;
}

void require_supported(Isa isa, const std::string& context) {
  if (!cpu_supports(isa))
    throw std::runtime_error(context + ": this CPU does not support " + isa_name(isa));
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512:
      return "avx512";
    case Isa::Avx2:
      return "avx2";
    case Isa::Generic:
      break;
  }
  return "generic";
}

bool cpu_supports(Isa isa) {
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0). The flags
  // match what each table is compiled with in kernels/CMakeLists.txt.
  switch (isa) {
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             cpu_supports(Isa::Avx2);
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("f16c");
    case Isa::Generic:
      break;
  }
  return true;
}

Isa select_isa(const char* forced) {
  if (forced == nullptr || *forced == '\0') {
    Isa widest = Isa::Generic;
    for (Isa isa : kAllIsas)
      if (cpu_supports(isa)) widest = isa;
    return widest;
  }
  for (Isa isa : kAllIsas) {
    if (std::string(forced) == isa_name(isa)) {
      require_supported(isa, std::string("EMBED_FORCE_ISA=") + forced);
      return isa;
    }
  }
  throw std::runtime_error(std::string("EMBED_FORCE_ISA=") + forced +
                           ": unknown instruction set (expected generic, avx2 or avx512)");
}

Isa active_isa() {
  return active().load(std::memory_order_relaxed);
}

bool vnni_active() {
  return active_isa() == Isa::Avx512 && __builtin_cpu_supports("avx512vnni");
}

void set_isa_for_testing(Isa isa) {
  require_supported(isa, "set_isa_for_testing");
  active().store(isa, std::memory_order_relaxed);
}

const KernelTable& kernel_table() {
  return table_of(active_isa());
}

}  // namespace embed::kernels
