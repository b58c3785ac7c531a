// config.json parsing: the fields an encoder needs, and one clear error per malformed file.
#include "loaders/model_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/test_support.h"

namespace embed {
namespace {

nlohmann::json bert_config() {
  return nlohmann::json::parse(R"({
    "model_type": "bert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
    "intermediate_size": 128, "hidden_act": "gelu", "max_position_embeddings": 512,
    "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0, "vocab_size": 30522})");
}

std::string error_of(const nlohmann::json& json) {
  try {
    ModelConfig::parse(json, "dir/config.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelConfig, ParsesBert) {
  const ModelConfig config = ModelConfig::parse(bert_config(), "config.json");
  EXPECT_EQ(config.architecture, Architecture::Bert);
  EXPECT_EQ(config.hidden_size, 64);
  EXPECT_EQ(config.head_dim(), 16);
  EXPECT_EQ(config.hidden_act, HiddenActivation::GeluErf);
  EXPECT_FLOAT_EQ(config.layer_norm_eps, 1e-12f);
  EXPECT_EQ(config.max_tokens(), 512);
}

TEST(ModelConfig, XlmRobertaPositionsAreOffsetByPad) {
  auto json = bert_config();
  json["model_type"] = "xlm-roberta";
  json["pad_token_id"] = 1;
  json["max_position_embeddings"] = 8194;
  const ModelConfig config = ModelConfig::parse(json, "config.json");
  EXPECT_EQ(config.architecture, Architecture::XlmRoberta);
  EXPECT_EQ(config.max_tokens(), 8192);
}

TEST(ModelConfig, ActivationNames) {
  auto json = bert_config();
  json["hidden_act"] = "gelu_new";
  EXPECT_EQ(ModelConfig::parse(json, "c").hidden_act, HiddenActivation::GeluTanh);
  json["hidden_act"] = "gelu_pytorch_tanh";
  EXPECT_EQ(ModelConfig::parse(json, "c").hidden_act, HiddenActivation::GeluTanh);
  json["hidden_act"] = "relu";
  EXPECT_EQ(ModelConfig::parse(json, "c").hidden_act, HiddenActivation::Relu);
  json["hidden_act"] = "swish";
  EXPECT_NE(error_of(json).find("unsupported hidden_act 'swish'"), std::string::npos);
}

TEST(ModelConfig, UnknownModelType) {
  auto json = bert_config();
  json["model_type"] = "gpt2";
  EXPECT_EQ(
      error_of(json),
      "dir/config.json: unsupported model_type 'gpt2' (expected bert, xlm-roberta or roberta)");
}

TEST(ModelConfig, EachMissingFieldIsNamed) {
  for (const char* field : {"hidden_size", "num_hidden_layers", "num_attention_heads",
                            "intermediate_size", "hidden_act", "max_position_embeddings",
                            "type_vocab_size", "layer_norm_eps", "pad_token_id", "vocab_size"}) {
    auto json = bert_config();
    json.erase(field);
    EXPECT_EQ(error_of(json), std::string("dir/config.json: missing field '") + field + "'");
  }
}

TEST(ModelConfig, WrongTypesAndValues) {
  auto json = bert_config();
  json["hidden_size"] = "64";
  EXPECT_NE(error_of(json).find("'hidden_size' must be an integer"), std::string::npos);
  json = bert_config();
  json["num_attention_heads"] = 5;
  EXPECT_NE(error_of(json).find("not a multiple of num_attention_heads"), std::string::npos);
  json = bert_config();
  json["layer_norm_eps"] = -1;
  EXPECT_NE(error_of(json).find("layer_norm_eps"), std::string::npos);
}

TEST(ModelConfig, MalformedFileNamesThePath) {
  const auto path = std::filesystem::temp_directory_path() / "embed_bad_config.json";
  std::ofstream(path) << "{\"model_type\": \"bert\",";
  try {
    ModelConfig::load(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ": invalid JSON"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

TEST(ModelConfig, LoadsFixtureConfigs) {
  EMBED_REQUIRE_FIXTURES();
  const auto m3 = ModelConfig::load(test::fixtures_dir() / "models/tiny-bge-m3/config.json");
  EXPECT_EQ(m3.architecture, Architecture::XlmRoberta);
  EXPECT_EQ(m3.pad_token_id, 1);
  EXPECT_FLOAT_EQ(m3.layer_norm_eps, 1e-5f);
  const auto minilm = ModelConfig::load(test::fixtures_dir() / "models/tiny-minilm/config.json");
  EXPECT_EQ(minilm.architecture, Architecture::Bert);
  EXPECT_EQ(minilm.type_vocab_size, 2);
}

}  // namespace
}  // namespace embed
