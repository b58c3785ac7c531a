// From text to outputs, end to end: dense vectors with each model's own pooling, BGE-M3 lexical
// weights and ColBERT vectors, and FlagEmbedding's scores, against the reference within 1e-4.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "engine/model.h"
#include "engine/scores.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

constexpr double kTolerance = 1e-4;

std::vector<std::string> input_texts(const nlohmann::json& expected) {
  std::vector<std::string> texts;
  for (const auto& input : expected["inputs"]) texts.push_back(input["text"]);
  return texts;
}

void expect_vector_near(std::span<const float> actual, const nlohmann::json& expected,
                        const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i].get<double>(), kTolerance) << what << " [" << i << "]";
}

class OutputsConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    expected_ = test::load_expected(GetParam());
    model_ = std::make_unique<Model>(Model::load(test::fixture_model_dir(GetParam()).string()));
    texts_ = input_texts(expected_);
  }

  bool is_m3() const { return GetParam() == "tiny-bge-m3"; }

  nlohmann::json expected_;
  std::unique_ptr<Model> model_;
  std::vector<std::string> texts_;
};

TEST_P(OutputsConformance, DenseFromText) {
  const auto results = model_->encode(texts_);
  for (size_t i = 0; i < texts_.size(); ++i) {
    EXPECT_EQ(results[i].ids, expected_["inputs"][i]["input_ids"].get<std::vector<int32_t>>())
        << "input " << i;
    expect_vector_near(results[i].dense, expected_["outputs"][i]["dense"],
                       "dense of input " + std::to_string(i));
  }
}

TEST_P(OutputsConformance, UnnormalizedDense) {
  const auto results = model_->encode(texts_, {.normalize = false});
  const char* key = is_m3() ? "cls_unnormalized" : "pooled_unnormalized";
  for (size_t i = 0; i < texts_.size(); ++i)
    expect_vector_near(results[i].dense, expected_["outputs"][i][key],
                       "pooled input " + std::to_string(i));
}

TEST_P(OutputsConformance, InfoDescribesTheModel) {
  const ModelInfo& info = model_->info();
  EXPECT_EQ(info.pooling == Pooling::Mean ? "mean" : "cls",
            expected_["pooling"].get<std::string>());
  EXPECT_EQ(info.normalize, expected_["normalize"].get<bool>());
  EXPECT_EQ(info.max_length, expected_["max_length"].get<int>());
  EXPECT_EQ(info.has_sparse, is_m3());
  EXPECT_EQ(info.has_colbert, is_m3());
  EXPECT_EQ(info.weight_dtype, "f32");
  EXPECT_GT(info.parameter_count, 0u);
  const std::string& space_id = model_->space_id();
  EXPECT_EQ(space_id.size(), space_id.rfind('-') + 33) << space_id;
  // Stable: a second load of the same folder gives the same id.
  EXPECT_EQ(Model::load(test::fixture_model_dir(GetParam()).string()).space_id(), space_id);
}

TEST_P(OutputsConformance, PairScores) {
  const auto results = model_->encode(texts_, {.sparse = is_m3(), .colbert = is_m3()});
  for (const auto& pair : expected_["pair_scores"]) {
    const auto& q = results[pair["q"].get<size_t>()];
    const auto& p = results[pair["p"].get<size_t>()];
    const std::string where = "pair " + pair.dump();
    EXPECT_NEAR(dense_score(q.dense, p.dense), pair.value("dense", pair.value("cosine", 0.0)),
                kTolerance)
        << where;
    if (pair.contains("lexical_matching")) {
      EXPECT_NEAR(lexical_score(q.sparse, p.sparse), pair["lexical_matching"].get<double>(),
                  kTolerance)
          << where;
    }
    if (pair.contains("colbert")) {
      EXPECT_NEAR(colbert_score(q.colbert, p.colbert), pair["colbert"].get<double>(), kTolerance)
          << where;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OutputsConformance,
                         ::testing::ValuesIn(test::fixture_model_names()), test::model_param_name);

class BgeM3Outputs : public ::testing::Test {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    expected_ = test::load_expected("tiny-bge-m3");
    model_ = std::make_unique<Model>(Model::load(test::fixture_model_dir("tiny-bge-m3").string()));
    results_ = model_->encode(input_texts(expected_), {.sparse = true, .colbert = true});
  }

  nlohmann::json expected_;
  std::unique_ptr<Model> model_;
  std::vector<Embedding> results_;
};

TEST_F(BgeM3Outputs, LexicalWeights) {
  for (size_t i = 0; i < results_.size(); ++i) {
    const auto& want = expected_["outputs"][i]["lexical_weights"];
    ASSERT_EQ(results_[i].sparse.size(), want.size()) << "input " << i;
    for (const auto& [id, weight] : results_[i].sparse) {
      const auto key = std::to_string(id);
      ASSERT_TRUE(want.contains(key)) << "input " << i << " unexpected id " << id;
      EXPECT_NEAR(weight, want[key].get<double>(), kTolerance) << "input " << i << " id " << id;
    }
  }
}

TEST_F(BgeM3Outputs, ColbertVectors) {
  size_t checked = 0;
  for (size_t i = 0; i < results_.size(); ++i) {
    const auto& output = expected_["outputs"][i];
    EXPECT_EQ(results_[i].colbert.rows, results_[i].ids.size() - 1) << "CLS dropped, EOS kept";
    if (!output.contains("colbert_vecs")) continue;
    ASSERT_EQ(results_[i].colbert.rows, output["colbert_vecs"].size());
    EXPECT_LE(test::max_abs_diff(results_[i].colbert.values.data(), output["colbert_vecs"]),
              kTolerance)
        << "input " << i;
    ++checked;
  }
  EXPECT_GT(checked, 20u);
}

// FlagEmbedding's compute_score pads the passages of its batch; padded rows score 0 and take part
// in ColBERT's max. The reference reproduces that quirk, so the test applies it to our exact
// scores: max(real max, 0) for each query row when the passage is shorter than the batch's
// longest passage.
float colbert_with_padding(const Matrix& q, const Matrix& p, size_t padded_rows) {
  double total = 0;
  for (size_t r = 0; r < q.rows; ++r) {
    float best = p.rows < padded_rows ? 0.0f : -1e30f;
    for (size_t c = 0; c < p.rows; ++c) {
      float dot = 0;
      for (size_t k = 0; k < q.cols; ++k) dot += q.row(r)[k] * p.row(c)[k];
      best = std::max(best, dot);
    }
    total += best;
  }
  return static_cast<float>(total / q.rows);
}

TEST_F(BgeM3Outputs, ComputeScore) {
  const auto& cs = expected_["compute_score"];
  size_t padded_rows = 0;
  for (const auto& pair : cs["pairs"])
    padded_rows = std::max(padded_rows, results_[pair[1].get<size_t>()].colbert.rows);
  for (size_t k = 0; k < cs["pairs"].size(); ++k) {
    const auto& q = results_[cs["pairs"][k][0].get<size_t>()];
    const auto& p = results_[cs["pairs"][k][1].get<size_t>()];
    const float colbert = colbert_with_padding(q.colbert, p.colbert, padded_rows);
    EXPECT_NEAR(dense_score(q.dense, p.dense), cs["dense"][k].get<double>(), kTolerance);
    EXPECT_NEAR(lexical_score(q.sparse, p.sparse), cs["sparse"][k].get<double>(), kTolerance);
    EXPECT_NEAR(colbert, cs["colbert"][k].get<double>(), kTolerance) << "pair " << k;
    for (const auto& combined : cs["combined"]) {
      const auto w = combined["weights_for_different_modes"].get<std::vector<float>>();
      const Scores all = score(q, p, {w[0], w[1], w[2]});
      const Scores two = score(q, p, {w[0], w[1], 0});
      // Our combination uses exact ColBERT; recombine with the padded value to compare.
      const double three =
          (w[0] * all.dense + w[1] * all.sparse + w[2] * colbert) / (w[0] + w[1] + w[2]);
      EXPECT_NEAR(two.combined, combined["sparse+dense"][k].get<double>(), kTolerance);
      EXPECT_NEAR(three, combined["colbert+sparse+dense"][k].get<double>(), kTolerance);
      if (std::abs(colbert - all.colbert) < 1e-7) {
        EXPECT_NEAR(all.combined, combined["colbert+sparse+dense"][k].get<double>(), kTolerance);
      }
    }
  }
}

TEST_F(BgeM3Outputs, ConcurrentCallsGiveTheSameResults) {
  const auto texts = input_texts(expected_);
  std::vector<std::vector<Embedding>> per_thread(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < per_thread.size(); ++t)
    threads.emplace_back([&, t] {
      per_thread[t] = model_->encode(texts, {.sparse = true, .colbert = true, .batch_tokens = 300});
    });
  for (auto& thread : threads) thread.join();
  for (const auto& results : per_thread)
    for (size_t i = 0; i < texts.size(); ++i) {
      expect_vector_near(results[i].dense, expected_["outputs"][i]["dense"], "threaded dense");
      ASSERT_EQ(results[i].sparse.size(), results_[i].sparse.size());
    }
}

// BAAI ships the heads as PyTorch pickles only: the same folder without the .safetensors twins
// must give the same outputs through the restricted .pt reader.
TEST_F(BgeM3Outputs, HeadsFromPyTorchFiles) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("embed_pt_heads_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const auto& entry :
       std::filesystem::directory_iterator(test::fixture_model_dir("tiny-bge-m3")))
    if (!entry.path().filename().string().ends_with("_linear.safetensors"))
      std::filesystem::create_symlink(entry.path(), dir / entry.path().filename());
  const Model pt_model = Model::load(dir.string());
  const auto results = pt_model.encode(input_texts(expected_), {.sparse = true, .colbert = true});
  std::filesystem::remove_all(dir);
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_EQ(results[i].sparse.size(), results_[i].sparse.size());
    for (size_t k = 0; k < results[i].sparse.size(); ++k)
      EXPECT_EQ(results[i].sparse[k].weight, results_[i].sparse[k].weight);
    EXPECT_EQ(results[i].colbert.values, results_[i].colbert.values);
  }
}

TEST_F(BgeM3Outputs, TruncatesToMaxLength) {
  const std::vector<std::string> texts{input_texts(expected_).back()};
  const auto results = model_->encode(texts, {.max_length = 16});
  ASSERT_EQ(results[0].ids.size(), 16u);
  EXPECT_EQ(results[0].ids.front(), 0);
  EXPECT_EQ(results[0].ids.back(), 2) << "truncation keeps </s>";
}

}  // namespace
}  // namespace embed
