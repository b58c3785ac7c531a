#pragma once
// Access to the fixture models' expected.json (see ../shared/fixtures/models/*/FORMAT.md).
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace embed::test {

inline const std::vector<std::string>& fixture_model_names() {
  static const std::vector<std::string> names{"tiny-bge-m3", "tiny-minilm", "tiny-bge-en"};
  return names;
}

inline std::filesystem::path fixture_model_dir(const std::string& name) {
  return fixtures_dir() / "models" / name;
}

inline nlohmann::json load_expected(const std::string& model) {
  return nlohmann::json::parse(read_text_file(fixture_model_dir(model) / "expected.json"));
}

// The input ids of every expected input, unpadded.
inline std::vector<std::vector<int32_t>> expected_input_ids(const nlohmann::json& expected) {
  std::vector<std::vector<int32_t>> ids;
  for (const auto& input : expected["inputs"]) ids.push_back(input["input_ids"]);
  return ids;
}

// Largest |actual - expected| over a [rows][cols] JSON matrix.
inline double max_abs_diff(const float* actual, const nlohmann::json& expected_rows) {
  double worst = 0;
  size_t i = 0;
  for (const auto& row : expected_rows)
    for (const auto& value : row)
      worst = std::max(worst, std::abs(actual[i++] - value.get<double>()));
  return worst;
}

}  // namespace embed::test
