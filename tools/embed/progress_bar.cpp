#include "tools/embed/progress_bar.h"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace embed::cli {

ProgressBar::ProgressBar(size_t total, bool enabled)
    : total_(total),
      enabled_(enabled && total > 0 && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (enabled_) std::fputc('\n', stderr);
}

void ProgressBar::advance(size_t done) {
  if (!enabled_) return;
  constexpr int kWidth = 30;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  const int filled = static_cast<int>(kWidth * done / total_);
  const std::string bar = std::string(filled, '=') + std::string(kWidth - filled, ' ');
  std::fprintf(stderr, "\r[%s] %zu/%zu  %.1f inputs/s  ETA %02d:%02d", bar.c_str(), done, total_,
               rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  std::fflush(stderr);
}

}  // namespace embed::cli
