#pragma once
#include <filesystem>

namespace embed::cli {

// Writes a float32 [rows][cols] matrix as a NumPy .npy file (format version 1.0).
void write_npy(const std::filesystem::path& path, const float* data, size_t rows, size_t cols);

}  // namespace embed::cli
