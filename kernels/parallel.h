#pragma once
// Internal to kernels/: splitting row-wise work over the OpenMP team (the same libgomp pool that
// oneDNN uses), only when there is enough of it to pay for waking the team.
#include <omp.h>

#include <cstddef>

namespace embed::kernels {

// Below this many floats a row-wise kernel runs faster on one thread than after a team wake-up.
inline constexpr size_t kMinParallelFloats = size_t{1} << 16;

// Calls f(begin, end) on contiguous slices of [0, count), one per thread, in parallel when
// count * floats_per_item is large and we are not already inside a parallel region.
template <class F>
void parallel_ranges(size_t count, size_t floats_per_item, F&& f) {
  if (count < 2 || count * floats_per_item < kMinParallelFloats || omp_in_parallel()) {
    f(size_t{0}, count);
    return;
  }
#pragma omp parallel
  {
    const size_t threads = static_cast<size_t>(omp_get_num_threads());
    const size_t t = static_cast<size_t>(omp_get_thread_num());
    const size_t begin = count * t / threads;
    const size_t end = count * (t + 1) / threads;
    if (begin < end) f(begin, end);
  }
}

}  // namespace embed::kernels
