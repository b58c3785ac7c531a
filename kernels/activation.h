#pragma once
#include <cstddef>

namespace embed::kernels {

enum class Activation { None, GeluErf, GeluTanh, Relu };

// In place. GeluErf is the exact form x/2 * (1 + erf(x/sqrt 2)); GeluTanh the tanh approximation.
void apply_activation(Activation act, float* x, size_t n);

}  // namespace embed::kernels
