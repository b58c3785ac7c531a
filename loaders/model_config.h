#pragma once
// The fields of a Hugging Face config.json that define a BERT / XLM-RoBERTa encoder.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace embed {

enum class Architecture { Bert, XlmRoberta };

enum class HiddenActivation { GeluErf, GeluTanh, Relu };

struct ModelConfig {
  Architecture architecture = Architecture::Bert;
  std::string model_type;  // as written: "bert", "xlm-roberta", "roberta"
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  HiddenActivation hidden_act = HiddenActivation::GeluErf;
  std::string hidden_act_name;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;
  float layer_norm_eps = 0;
  int pad_token_id = 0;
  int vocab_size = 0;

  int head_dim() const { return hidden_size / num_attention_heads; }
  // Longest token sequence the position table supports (XLM-R offsets positions by pad+1).
  int max_tokens() const;

  static ModelConfig load(const std::filesystem::path& config_json);
  // `source` names the file in error messages.
  static ModelConfig parse(const nlohmann::json& json, const std::string& source);
};

}  // namespace embed
