#pragma once
// Access to the fixture models' expected.json (see ../shared/fixtures/models/*/FORMAT.md).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "loaders/safetensors.h"
#include "loaders/safetensors_writer.h"
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

// Writes `source`'s model.safetensors to `destination`, letting `edit` change a tensor (name,
// dtype, shape, data) or drop it (return false).
template <class Edit>
void rewrite_checkpoint(const std::filesystem::path& source,
                        const std::filesystem::path& destination, Edit edit) {
  const auto file = SafetensorsFile::open(source / "model.safetensors");
  std::vector<TensorToWrite> tensors;
  for (const auto& view : file->tensors()) {
    TensorToWrite tensor{view.name, view.dtype, view.shape, {view.data, view.nbytes}};
    if (edit(tensor)) tensors.push_back(tensor);
  }
  write_safetensors(destination / "model.safetensors", tensors);
}

// A gtest parameter name for a fixture model ("tiny-bge-m3" → "tiny_bge_m3").
inline std::string model_param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

}  // namespace embed::test
