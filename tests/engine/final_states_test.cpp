// A dense vector asked for alone, under CLS or last-token pooling, is pooled from one token's last
// state, and the encoder's last layer then finishes only that token of each text. The vectors must
// be the ones a pass that finishes every token gives: for every compute type, for texts short and
// long (F32 and INT8 attention) batched together.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/model.h"
#include "engine/quantize.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

struct Case {
  std::string name;
  std::string fixture;
  bool last_token;  // the fixture's pooling replaced by last-token pooling
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class FinalStates : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    root_ = std::filesystem::temp_directory_path() /
            ("embed_final_states_" + std::to_string(::getpid()) + "_" + GetParam().name);
    std::filesystem::remove_all(root_);
    source_ = root_ / "source";
    std::filesystem::create_directories(root_);
    std::filesystem::copy(test::fixture_model_dir(GetParam().fixture), source_,
                          std::filesystem::copy_options::recursive);
    if (GetParam().last_token) {
      const auto pooling = source_ / "1_Pooling" / "config.json";
      auto config = nlohmann::json::parse(test::read_text_file(pooling));
      for (auto& [key, value] : config.items())
        if (key.starts_with("pooling_mode_")) value = key == "pooling_mode_lasttoken";
      std::ofstream(pooling) << config.dump();
    }
    quantize_model(source_.string(), root_ / "int8");
    const auto expected = test::load_expected(GetParam().fixture);
    for (const auto& input : expected["inputs"]) texts_.push_back(input["text"]);
    std::string long_text;
    while (long_text.size() < 600) long_text += texts_[long_text.size() % texts_.size()] + " ";
    texts_.push_back(long_text);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_, source_;
  std::vector<std::string> texts_;
};

TEST_P(FinalStates, DenseAloneIsTheDenseOfAPassOverEveryToken) {
  const struct {
    std::filesystem::path dir;
    ComputeType compute;
    const char* what;
  } variants[] = {{source_, ComputeType::Auto, "f32"},
                  {source_, ComputeType::BF16, "bf16"},
                  {root_ / "int8", ComputeType::Auto, "int8"}};
  for (const auto& variant : variants) {
    const Model model = Model::load(variant.dir.string(), {.compute = variant.compute});
    if (GetParam().last_token) {
      ASSERT_EQ(model.info().pooling, PoolingMode::LastToken);
    }
    const auto alone = model.encode(texts_);
    const auto beside_tokens = model.encode(texts_, {.tokens = true});
    ASSERT_GE(alone.back().ids.size(), 64u) << "the long text takes INT8 attention";
    for (size_t i = 0; i < texts_.size(); ++i) {
      ASSERT_EQ(alone[i].dense.size(), beside_tokens[i].dense.size());
      for (size_t j = 0; j < alone[i].dense.size(); ++j)
        ASSERT_NEAR(alone[i].dense[j], beside_tokens[i].dense[j], 1e-6)
            << variant.what << " text " << i << " [" << j << "]";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(FixtureModels, FinalStates,
                         ::testing::Values(Case{"bge_m3_cls", "tiny-bge-m3", false},
                                           Case{"bge_en_cls", "tiny-bge-en", false},
                                           Case{"minilm_last_token", "tiny-minilm", true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace embed
