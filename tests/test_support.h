#pragma once
// Shared helpers for the test suites: where the conformance fixtures are, and skipping when they
// are absent (they live beside the checkout in ../shared, which CI always provides).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace embed::test {

inline std::filesystem::path fixtures_dir() {
  return EMBED_FIXTURES_DIR;
}

inline bool fixtures_present() {
  return std::filesystem::is_directory(fixtures_dir());
}

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace embed::test

// Skips the current test when ../shared/fixtures is not beside the checkout.
#define EMBED_REQUIRE_FIXTURES()                                                 \
  do {                                                                           \
    if (!::embed::test::fixtures_present())                                      \
      GTEST_SKIP() << "conformance fixtures not found at " << EMBED_FIXTURES_DIR \
                   << " (clone the repo beside ../shared to run this test)";     \
  } while (0)
