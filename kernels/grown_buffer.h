#pragma once
// Grow-only scratch buffers. Kernels convert or quantize their inputs per call, and the engine's
// workspace holds per-batch activations: a fresh allocation of megabytes would page-fault on
// every call.
#include <cstddef>
#include <vector>

#include "kernels/aligned_vector.h"

namespace embed::kernels {

// buffer's storage for at least count elements; it only grows, so its pages stay mapped.
template <class T>
T* grown(AlignedVector<T>& buffer, size_t count) {
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

}  // namespace embed::kernels
