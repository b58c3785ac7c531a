#pragma once
// A one-line progress bar with rate and ETA on stderr, drawn only when stderr is a terminal.
#include <chrono>
#include <cstddef>

namespace embed::cli {

class ProgressBar {
 public:
  // `enabled` is further limited to a terminal stderr.
  ProgressBar(size_t total, bool enabled);
  ~ProgressBar();
  void advance(size_t done);

 private:
  size_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace embed::cli
