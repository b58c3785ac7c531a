// The encoder's last hidden state equals HF transformers' (fixtures computed in float64) within
// 1e-4, for BERT and XLM-RoBERTa, alone and in packed batches.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/model.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

class EncoderConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    expected_ = test::load_expected(GetParam());
    model_ = std::make_unique<Model>(Model::load(test::fixture_model_dir(GetParam())));
    inputs_ = test::expected_input_ids(expected_);
  }

  nlohmann::json expected_;
  std::unique_ptr<Model> model_;
  std::vector<std::vector<int32_t>> inputs_;
};

TEST_P(EncoderConformance, LastHiddenStateAlone) {
  size_t checked = 0;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const auto& output = expected_["outputs"][i];
    if (!output.contains("last_hidden_state")) continue;
    const auto result = model_->encode_ids({&inputs_[i], 1}, {.tokens = true});
    ASSERT_EQ(result[0].tokens.rows, inputs_[i].size());
    EXPECT_LE(test::max_abs_diff(result[0].tokens.values.data(), output["last_hidden_state"]), 1e-4)
        << "input " << i;
    ++checked;
  }
  EXPECT_GE(checked, 4u);
}

// Every input (all 40, incl. long and truncated ones) pooled as the model pools (CLS or mean over
// all tokens, specials included) against the reference's unnormalised pooled vector.
TEST_P(EncoderConformance, PooledStateOfEveryInput) {
  const bool m3 = GetParam() == "tiny-bge-m3";
  const auto results = model_->encode_ids(inputs_, {.tokens = true});
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Matrix& tokens = results[i].tokens;
    std::vector<float> pooled(tokens.row(0), tokens.row(0) + tokens.cols);
    if (expected_["pooling"] == "mean") {
      for (size_t r = 1; r < tokens.rows; ++r)
        for (size_t c = 0; c < tokens.cols; ++c) pooled[c] += tokens.row(r)[c];
      for (float& value : pooled) value /= static_cast<float>(tokens.rows);
    }
    const auto& want = expected_["outputs"][i][m3 ? "cls_unnormalized" : "pooled_unnormalized"];
    EXPECT_LE(test::max_abs_diff(pooled.data(), nlohmann::json::array({want})), 1e-4)
        << "input " << i;
  }
}

// Batched and alone, a text's states differ only by float rounding: passes of up to 48 tokens
// run our few-row GEMM, longer ones oneDNN's, and the two sum in different orders (~1e-6 apart).
constexpr double kBatchingTolerance = 4e-6;

// The fixture's right-padded batch, unpadded by its attention mask and encoded in one call,
// gives each text the result it gets alone.
TEST_P(EncoderConformance, PaddedBatchMatchesSingles) {
  std::vector<std::vector<int32_t>> unpadded;
  const auto& batch = expected_["batch"];
  for (size_t i = 0; i < batch["input_ids"].size(); ++i) {
    std::vector<int32_t> ids;
    for (size_t t = 0; t < batch["input_ids"][i].size(); ++t)
      if (batch["attention_mask"][i][t] == 1) ids.push_back(batch["input_ids"][i][t]);
    unpadded.push_back(ids);
  }
  ASSERT_EQ(unpadded, inputs_);
  const auto batched = model_->encode_ids(unpadded, {.tokens = true});
  for (size_t i = 0; i < unpadded.size(); ++i) {
    const auto alone = model_->encode_ids({&unpadded[i], 1}, {.tokens = true});
    ASSERT_EQ(alone[0].tokens.values.size(), batched[i].tokens.values.size());
    double worst = 0;
    for (size_t j = 0; j < alone[0].tokens.values.size(); ++j)
      worst = std::max<double>(worst,
                               std::abs(alone[0].tokens.values[j] - batched[i].tokens.values[j]));
    EXPECT_LE(worst, kBatchingTolerance) << "input " << i;
    if (expected_["outputs"][i].contains("last_hidden_state")) {
      EXPECT_LE(test::max_abs_diff(batched[i].tokens.values.data(),
                                   expected_["outputs"][i]["last_hidden_state"]),
                1e-4);
    }
  }
}

// A small token budget splits the call into many forward passes; results must not change.
TEST_P(EncoderConformance, TokenBudgetDoesNotChangeResults) {
  const auto whole = model_->encode_ids(inputs_, {.tokens = true});
  const auto split = model_->encode_ids(inputs_, {.tokens = true, .batch_tokens = 40});
  for (size_t i = 0; i < inputs_.size(); ++i) {
    ASSERT_EQ(whole[i].tokens.values.size(), split[i].tokens.values.size());
    for (size_t j = 0; j < whole[i].tokens.values.size(); ++j)
      ASSERT_NEAR(whole[i].tokens.values[j], split[i].tokens.values[j], kBatchingTolerance)
          << "input " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EncoderConformance,
                         ::testing::ValuesIn(test::fixture_model_names()), test::model_param_name);

}  // namespace
}  // namespace embed
