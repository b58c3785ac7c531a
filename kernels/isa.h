#pragma once
// Runtime instruction-set choice for the SIMD kernels. Each kernel source is compiled once per ISA
// (see kernels/CMakeLists.txt); the widest one the CPU supports is picked once, at first use.
// EMBED_FORCE_ISA=generic|avx2|avx512 overrides the choice (for tests and comparisons); forcing an
// ISA the CPU lacks is an error, not a silent fallback.

namespace embed::kernels {

enum class Isa { Generic, Avx2, Avx512 };

Isa active_isa();
const char* isa_name(Isa isa);
bool cpu_supports(Isa isa);

// Whether kernels built for AVX-512 VNNI may run: the active ISA is AVX-512 and the CPU has
// AVX512_VNNI. Forcing a narrower ISA (EMBED_FORCE_ISA=avx2|generic) turns them off.
bool vnni_active();

// Switches every kernel to `isa` from now on, so tests and benchmarks can compare the tables in
// one process. Throws std::runtime_error if the CPU lacks it. Not for use while kernels run.
void set_isa_for_testing(Isa isa);

}  // namespace embed::kernels
