// The C API (engine/embed.h) gives the reference outputs on the fixture models, and reports every
// failure as a status plus a one-line message instead of an exception.
#include "engine/embed.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/fixture_models.h"

namespace embed {
namespace {

constexpr double kTolerance = 1e-4;

struct ModelDeleter {
  void operator()(embed_model* m) const { embed_model_free(m); }
};
struct ResultDeleter {
  void operator()(embed_result* r) const { embed_result_free(r); }
};
using ModelPtr = std::unique_ptr<embed_model, ModelDeleter>;
using ResultPtr = std::unique_ptr<embed_result, ResultDeleter>;

ModelPtr load_fixture(const std::string& name) {
  embed_model* model = nullptr;
  const embed_status status =
      embed_model_load(test::fixture_model_dir(name).c_str(), nullptr, &model);
  EXPECT_EQ(status, EMBED_OK) << embed_last_error();
  return ModelPtr(model);
}

// Owns the fixture's input texts and the const char* array the C API takes.
struct Texts {
  explicit Texts(const nlohmann::json& expected) {
    for (const auto& input : expected["inputs"]) strings.push_back(input["text"]);
    for (const auto& s : strings) pointers.push_back(s.c_str());
  }
  std::vector<std::string> strings;
  std::vector<const char*> pointers;
};

class CApiConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    expected_ = test::load_expected(GetParam());
    model_ = load_fixture(GetParam());
    ASSERT_NE(model_, nullptr);
  }

  nlohmann::json expected_;
  ModelPtr model_;
};

TEST_P(CApiConformance, DimAndInfo) {
  const size_t dim = expected_["outputs"][0]["dense"].size();
  EXPECT_EQ(embed_model_dim(model_.get()), dim);
  const char* json = embed_model_info_json(model_.get());
  ASSERT_NE(json, nullptr);
  const auto info = nlohmann::json::parse(json);
  EXPECT_EQ(info["output_dim"].get<size_t>(), dim);
  EXPECT_EQ(info["max_length"], expected_["max_length"]);
  EXPECT_EQ(info["pooling"], expected_["pooling"]);
  EXPECT_EQ(info["normalize"], expected_["normalize"]);
  EXPECT_EQ(info["has_sparse"].get<bool>(), GetParam() == "tiny-bge-m3");
  EXPECT_FALSE(info["space_id"].get<std::string>().empty());
}

TEST_P(CApiConformance, EncodeDense) {
  const Texts texts(expected_);
  const size_t n = texts.pointers.size(), dim = embed_model_dim(model_.get());
  std::vector<float> vectors(n * dim);
  ASSERT_EQ(embed_encode_dense(model_.get(), texts.pointers.data(), n, vectors.data()), EMBED_OK)
      << embed_last_error();
  for (size_t i = 0; i < n; ++i) {
    const auto& want = expected_["outputs"][i]["dense"];
    for (size_t k = 0; k < dim; ++k)
      ASSERT_NEAR(vectors[i * dim + k], want[k].get<double>(), kTolerance)
          << "input " << i << " [" << k << "]";
  }
}

TEST_P(CApiConformance, ResultDenseAndTokenIds) {
  const Texts texts(expected_);
  embed_result* raw = nullptr;
  ASSERT_EQ(embed_encode(model_.get(), texts.pointers.data(), texts.pointers.size(), nullptr, &raw),
            EMBED_OK)
      << embed_last_error();
  const ResultPtr result(raw);
  ASSERT_EQ(embed_result_count(result.get()), texts.pointers.size());
  for (size_t i = 0; i < texts.pointers.size(); ++i) {
    size_t dim = 0, n_ids = 0;
    const float* dense = embed_result_dense(result.get(), i, &dim);
    ASSERT_EQ(dim, expected_["outputs"][i]["dense"].size());
    EXPECT_LE(test::max_abs_diff(dense, nlohmann::json::array({expected_["outputs"][i]["dense"]})),
              kTolerance)
        << "input " << i;
    const int32_t* ids = embed_result_token_ids(result.get(), i, &n_ids);
    EXPECT_EQ(std::vector<int32_t>(ids, ids + n_ids),
              expected_["inputs"][i]["input_ids"].get<std::vector<int32_t>>());
  }
  // Outputs that were not requested are absent.
  size_t rows = 7, cols = 7;
  EXPECT_EQ(embed_result_colbert(result.get(), 0, &rows, &cols), nullptr);
  EXPECT_EQ(rows + cols, 0u);
  EXPECT_EQ(embed_result_tokens(result.get(), 0, &rows, &cols), nullptr);
  EXPECT_EQ(embed_result_sparse(result.get(), 0, nullptr, nullptr), 0u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CApiConformance,
                         ::testing::ValuesIn(test::fixture_model_names()), [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

class CApiBgeM3 : public ::testing::Test {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    expected_ = test::load_expected("tiny-bge-m3");
    model_ = load_fixture("tiny-bge-m3");
    ASSERT_NE(model_, nullptr);
    const Texts texts(expected_);
    embed_encode_options options = embed_encode_options_default();
    options.sparse = options.colbert = options.tokens = true;
    embed_result* raw = nullptr;
    ASSERT_EQ(
        embed_encode(model_.get(), texts.pointers.data(), texts.pointers.size(), &options, &raw),
        EMBED_OK)
        << embed_last_error();
    result_.reset(raw);
  }

  nlohmann::json expected_;
  ModelPtr model_;
  ResultPtr result_;
};

TEST_F(CApiBgeM3, SparseWeights) {
  for (size_t i = 0; i < embed_result_count(result_.get()); ++i) {
    const auto& want = expected_["outputs"][i]["lexical_weights"];
    const int32_t* ids = nullptr;
    const float* weights = nullptr;
    const size_t n = embed_result_sparse(result_.get(), i, &ids, &weights);
    ASSERT_EQ(n, want.size()) << "input " << i;
    for (size_t k = 0; k < n; ++k) {
      if (k > 0) {
        EXPECT_LT(ids[k - 1], ids[k]) << "sorted by token id";
      }
      const auto key = std::to_string(ids[k]);
      ASSERT_TRUE(want.contains(key)) << "input " << i << " unexpected id " << ids[k];
      EXPECT_NEAR(weights[k], want[key].get<double>(), kTolerance) << "input " << i;
    }
  }
}

TEST_F(CApiBgeM3, ColbertAndTokenStates) {
  for (size_t i = 0; i < embed_result_count(result_.get()); ++i) {
    const auto& output = expected_["outputs"][i];
    size_t rows = 0, cols = 0;
    const float* colbert = embed_result_colbert(result_.get(), i, &rows, &cols);
    EXPECT_EQ(rows, expected_["inputs"][i]["n_tokens"].get<size_t>() - 1);
    EXPECT_EQ(cols, output["dense"].size());
    if (output.contains("colbert_vecs")) {
      EXPECT_LE(test::max_abs_diff(colbert, output["colbert_vecs"]), kTolerance) << "input " << i;
    }
    const float* tokens = embed_result_tokens(result_.get(), i, &rows, &cols);
    EXPECT_EQ(rows, expected_["inputs"][i]["n_tokens"].get<size_t>());
    if (output.contains("last_hidden_state")) {
      EXPECT_LE(test::max_abs_diff(tokens, output["last_hidden_state"]), kTolerance)
          << "input " << i;
    }
  }
}

TEST_F(CApiBgeM3, PairScores) {
  for (const auto& pair : expected_["pair_scores"]) {
    embed_scores scores;
    ASSERT_EQ(embed_score(result_.get(), pair["q"], result_.get(), pair["p"], nullptr, &scores),
              EMBED_OK)
        << embed_last_error();
    EXPECT_NEAR(scores.dense, pair["dense"].get<double>(), kTolerance) << pair.dump();
    EXPECT_NEAR(scores.sparse, pair["lexical_matching"].get<double>(), kTolerance) << pair.dump();
    if (pair.contains("colbert")) {
      EXPECT_NEAR(scores.colbert, pair["colbert"].get<double>(), kTolerance) << pair.dump();
    }
    EXPECT_NEAR(scores.combined, 0.4 * scores.dense + 0.2 * scores.sparse + 0.4 * scores.colbert,
                1e-5);
    const float dense_only[3] = {1, 0, 0};
    ASSERT_EQ(embed_score(result_.get(), pair["q"], result_.get(), pair["p"], dense_only, &scores),
              EMBED_OK);
    EXPECT_FLOAT_EQ(scores.combined, scores.dense);
  }
}

// --- Errors ---------------------------------------------------------------------------------

std::string error_message() {
  const std::string message = embed_last_error();
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

TEST(CApiErrors, MissingModel) {
  embed_model* model = reinterpret_cast<embed_model*>(0x1);
  EXPECT_EQ(embed_model_load("/nonexistent/embed-model", nullptr, &model), EMBED_ERROR_MODEL_LOAD);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(error_message().find("/nonexistent/embed-model"), std::string::npos)
      << embed_last_error();
}

TEST(CApiErrors, NullArguments) {
  embed_model* model = nullptr;
  EXPECT_EQ(embed_model_load(nullptr, nullptr, &model), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_model_load: name_or_path is NULL");
  EXPECT_EQ(embed_model_load("x", nullptr, nullptr), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_model_load: out is NULL");

  const char* text = "hello";
  float vector[8];
  EXPECT_EQ(embed_encode_dense(nullptr, &text, 1, vector), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_encode_dense: model is NULL");
  embed_result* result = nullptr;
  EXPECT_EQ(embed_encode(nullptr, &text, 1, nullptr, &result), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(embed_encode(nullptr, &text, 1, nullptr, nullptr), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_encode: out is NULL");

  embed_scores scores;
  EXPECT_EQ(embed_score(nullptr, 0, nullptr, 0, nullptr, &scores), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(embed_model_info_json(nullptr), nullptr);
  EXPECT_EQ(error_message(), "embed_model_info_json: model is NULL");

  // Accessors and destructors take NULL quietly.
  EXPECT_EQ(embed_model_dim(nullptr), 0u);
  EXPECT_EQ(embed_result_count(nullptr), 0u);
  size_t dim = 3;
  EXPECT_EQ(embed_result_dense(nullptr, 0, &dim), nullptr);
  EXPECT_EQ(dim, 0u);
  embed_model_free(nullptr);
  embed_result_free(nullptr);
}

TEST(CApiErrors, UnknownComputeType) {
  EMBED_REQUIRE_FIXTURES();
  embed_load_options options = embed_load_options_default();
  options.compute = static_cast<embed_compute_type>(42);
  embed_model* model = nullptr;
  EXPECT_EQ(embed_model_load(test::fixture_model_dir("tiny-minilm").c_str(), &options, &model),
            EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_model_load: unknown compute type 42");
}

TEST(CApiErrors, LastErrorIsPerThreadAndKeptBySuccess) {
  embed_model* model = nullptr;
  ASSERT_EQ(embed_model_load(nullptr, nullptr, &model), EMBED_ERROR_INVALID_ARGUMENT);
  std::string other_thread;
  std::thread([&] { other_thread = embed_last_error(); }).join();
  EXPECT_EQ(other_thread, "");
  EXPECT_EQ(embed_result_count(nullptr), 0u);
  EXPECT_EQ(error_message(), "embed_model_load: name_or_path is NULL");
}

class CApiInputErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    model_ = load_fixture("tiny-minilm");
    ASSERT_NE(model_, nullptr);
  }
  ModelPtr model_;
};

TEST_F(CApiInputErrors, NullTexts) {
  float vectors[1024];
  EXPECT_EQ(embed_encode_dense(model_.get(), nullptr, 1, vectors), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_encode_dense: texts is NULL");
  const char* texts[] = {"fine", nullptr};
  embed_result* result = nullptr;
  EXPECT_EQ(embed_encode(model_.get(), texts, 2, nullptr, &result), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_encode: texts[1] is NULL");
  EXPECT_EQ(result, nullptr);
  EXPECT_EQ(embed_encode_dense(model_.get(), texts, 1, nullptr), EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_encode_dense: out_vectors is NULL");
}

TEST_F(CApiInputErrors, NoTextsIsAnEmptyResult) {
  EXPECT_EQ(embed_encode_dense(model_.get(), nullptr, 0, nullptr), EMBED_OK);
  embed_result* raw = nullptr;
  ASSERT_EQ(embed_encode(model_.get(), nullptr, 0, nullptr, &raw), EMBED_OK);
  const ResultPtr result(raw);
  EXPECT_EQ(embed_result_count(result.get()), 0u);
}

TEST_F(CApiInputErrors, InvalidUtf8) {
  const char* texts[] = {"ok", "bad \xff byte"};
  std::vector<float> vectors(2 * embed_model_dim(model_.get()));
  EXPECT_EQ(embed_encode_dense(model_.get(), texts, 2, vectors.data()), EMBED_ERROR_INPUT);
  EXPECT_NE(error_message().find("input 1"), std::string::npos) << embed_last_error();
}

TEST_F(CApiInputErrors, OutputTheModelLacks) {
  const char* text = "hello";
  embed_encode_options options = embed_encode_options_default();
  options.sparse = true;
  embed_result* result = nullptr;
  EXPECT_EQ(embed_encode(model_.get(), &text, 1, &options, &result), EMBED_ERROR_INPUT);
  EXPECT_NE(error_message().find("sparse"), std::string::npos) << embed_last_error();
  EXPECT_EQ(result, nullptr);
}

TEST_F(CApiInputErrors, BadIndexAndWeights) {
  const char* text = "hello";
  embed_result* raw = nullptr;
  ASSERT_EQ(embed_encode(model_.get(), &text, 1, nullptr, &raw), EMBED_OK);
  const ResultPtr result(raw);
  EXPECT_EQ(embed_result_dense(result.get(), 1, nullptr), nullptr);
  embed_scores scores;
  EXPECT_EQ(embed_score(result.get(), 0, result.get(), 1, nullptr, &scores),
            EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(),
            "embed_score: no passage text at index pi (NULL result or out of range)");
  const float negative[3] = {1, -1, 0};
  EXPECT_EQ(embed_score(result.get(), 0, result.get(), 0, negative, &scores),
            EMBED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(error_message(), "embed_score: weights must be finite and >= 0");
  ASSERT_EQ(embed_score(result.get(), 0, result.get(), 0, nullptr, &scores), EMBED_OK);
  EXPECT_NEAR(scores.dense, 1.0, 1e-5) << "a normalised vector with itself";
}

}  // namespace
}  // namespace embed
