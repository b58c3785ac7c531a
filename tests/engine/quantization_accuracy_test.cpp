// `embed quantize` output and BF16 compute on every fixture model: the accuracy gates against
// FP32, the INT8 folder's format, and its vector-space id.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "engine/quantize.h"
#include "loaders/safetensors.h"
#include "tests/engine/quantization_gates.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

class QuantizationAccuracy : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    source_ = test::fixture_model_dir(GetParam());
    int8_dir_ = std::filesystem::temp_directory_path() /
                ("embed_int8_" + std::to_string(::getpid()) + "_" + GetParam());
    std::filesystem::remove_all(int8_dir_);
    report_ = quantize_model(source_.string(), int8_dir_);
    const auto expected = test::load_expected(GetParam());
    for (const auto& input : expected["inputs"]) texts_.push_back(input["text"]);
    m3_ = GetParam() == "tiny-bge-m3";
  }
  void TearDown() override { std::filesystem::remove_all(int8_dir_); }

  std::vector<Embedding> encode(const std::filesystem::path& dir, ComputeType compute) {
    return Model::load(dir.string(), {.compute = compute})
        .encode(texts_, {.sparse = m3_, .colbert = m3_});
  }

  std::filesystem::path source_, int8_dir_;
  QuantizeReport report_;
  std::vector<std::string> texts_;
  bool m3_ = false;
};

TEST_P(QuantizationAccuracy, Int8MeetsTheGates) {
  const auto reference = encode(source_, ComputeType::Auto);
  const auto int8 = encode(int8_dir_, ComputeType::Auto);
  test::expect_int8_gates(test::measure_gates(reference, int8), GetParam());
}

TEST_P(QuantizationAccuracy, Bf16MeetsTheGate) {
  const auto reference = encode(source_, ComputeType::Auto);
  const auto bf16 = encode(source_, ComputeType::BF16);
  test::expect_bf16_gates(test::measure_gates(reference, bf16), GetParam());
}

// Texts of 64 tokens and more take INT8 attention (where the CPU has VNNI or AVX2), which the
// fixtures' short texts never reach: the gates hold for them too. Each fixture input's ids,
// repeated to 100, 200 or 300 tokens.
TEST_P(QuantizationAccuracy, Int8LongTextsMeetTheGates) {
  std::vector<std::vector<int32_t>> inputs;
  for (const auto& ids : test::expected_input_ids(test::load_expected(GetParam()))) {
    std::vector<int32_t> text;
    const size_t length = 100 * (1 + inputs.size() % 3);
    while (text.size() < length) text.insert(text.end(), ids.begin(), ids.end());
    inputs.push_back(std::move(text));
  }
  const EncodeOptions outputs{.sparse = m3_, .colbert = m3_};
  const auto reference = Model::load(source_.string()).encode_ids(inputs, outputs);
  const auto int8 = Model::load(int8_dir_.string()).encode_ids(inputs, outputs);
  test::expect_int8_gates(test::measure_gates(reference, int8), GetParam() + ", 100-300 tokens");
}

// INT8 models choose their attention arithmetic per text, by its length: a short text batched
// with a long one gets the result it gets alone.
TEST_P(QuantizationAccuracy, Int8TextIsIndependentOfItsBatch) {
  const Model int8 = Model::load(int8_dir_.string());
  const std::vector<int32_t> short_ids =
      test::expected_input_ids(test::load_expected(GetParam()))[0];
  ASSERT_LT(short_ids.size(), 64u);
  std::vector<int32_t> long_ids;
  while (long_ids.size() < 200) long_ids.insert(long_ids.end(), short_ids.begin(), short_ids.end());
  const std::vector<std::vector<int32_t>> batch{long_ids, short_ids};
  const auto together = int8.encode_ids(batch, {.tokens = true});
  const auto alone = int8.encode_ids({&short_ids, 1}, {.tokens = true});
  ASSERT_EQ(together[1].tokens.values.size(), alone[0].tokens.values.size());
  for (size_t j = 0; j < alone[0].tokens.values.size(); ++j)
    ASSERT_NEAR(together[1].tokens.values[j], alone[0].tokens.values[j], 1e-6) << j;
}

TEST_P(QuantizationAccuracy, FolderFormatAndSpaceId) {
  const Model source = Model::load(source_.string());
  const Model int8 = Model::load(int8_dir_.string());
  EXPECT_TRUE(int8.info().quantized);
  EXPECT_EQ(int8.info().weight_dtype, "int8");
  EXPECT_EQ(int8.info().compute_dtype, "int8");
  EXPECT_EQ(int8.space_id(), source.space_id()) << "a quantized copy keeps its id";
  EXPECT_EQ(report_.source_space_id, source.space_id());
  EXPECT_EQ(int8.info().parameter_count, source.info().parameter_count);
  EXPECT_EQ(int8.info().pooling, source.info().pooling);
  EXPECT_EQ(int8.info().max_length, source.info().max_length);

  const auto file = SafetensorsFile::open(int8_dir_ / "model.safetensors");
  EXPECT_EQ(file->metadata().at("embed.quantization"), kQuantizationScheme);
  EXPECT_EQ(file->metadata().at("embed.source_space_id"), source.space_id());
  EXPECT_TRUE(file->metadata().contains("embed.tool_version"));
  const TensorView* q = file->find("encoder.layer.0.intermediate.dense.weight");
  const TensorView* scale = file->find("encoder.layer.0.intermediate.dense.weight_scale");
  ASSERT_TRUE(q && scale);
  EXPECT_EQ(q->dtype, DType::I8);
  EXPECT_EQ(scale->dtype, DType::F32);
  EXPECT_EQ(scale->shape, std::vector<int64_t>{q->shape[0]});
  EXPECT_EQ(file->find("embeddings.word_embeddings.weight")->dtype, DType::I8);
  EXPECT_EQ(file->find("embeddings.LayerNorm.weight")->dtype, DType::F32);
  EXPECT_EQ(file->find("encoder.layer.0.intermediate.dense.bias")->dtype, DType::F32);
  EXPECT_EQ(file->find("pooler.dense.weight"), nullptr);
  // The symmetric scheme: W ≈ q · scale with max|q| = 127 per row.
  const auto* values = reinterpret_cast<const int8_t*>(q->data);
  int max_q = 0;
  for (int64_t c = 0; c < q->shape[1]; ++c) max_q = std::max(max_q, std::abs(int(values[c])));
  EXPECT_EQ(max_q, 127);
  EXPECT_LT(report_.output_bytes, report_.source_bytes * 0.35);
}

// The output must be a new or empty folder: files already there could be loaded in place of ours
// (a stale tokenizer.json before the copied vocab.txt). Nothing is left behind on refusal, and a
// trailing slash names the same folder.
TEST(QuantizeOutputFolder, RefusesFilesAndAcceptsAnEmptyFolder) {
  EMBED_REQUIRE_FIXTURES();
  namespace fs = std::filesystem;
  const std::string source = test::fixture_model_dir(test::fixture_model_names().front()).string();
  const fs::path root =
      fs::temp_directory_path() / ("embed_quantize_out_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "taken");
  { std::ofstream(root / "taken" / "tokenizer.json") << "{}"; }
  try {
    quantize_model(source, root / "taken");
    ADD_FAILURE() << "a folder holding files was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((root / "taken").string() + ": already exists"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(test::read_text_file(root / "taken" / "tokenizer.json"), "{}");

  fs::create_directories(root / "empty");
  const QuantizeReport report = quantize_model(source, (root / "empty").string() + "/");
  EXPECT_GT(report.output_bytes, 0u);
  EXPECT_TRUE(Model::load((root / "empty").string()).info().quantized);
  // Only the two outputs remain: no staging folder.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"empty", "taken"}));
  fs::remove_all(root);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, QuantizationAccuracy,
                         ::testing::ValuesIn(test::fixture_model_names()), test::model_param_name);

}  // namespace
}  // namespace embed
