#include "loaders/model_config.h"

#include <stdexcept>

#include "loaders/json_file.h"

namespace embed {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw std::runtime_error(source + ": " + problem);
}

int positive_int(const nlohmann::json& json, const std::string& source, const char* field,
                 int minimum = 1) {
  const auto it = json.find(field);
  if (it == json.end()) fail(source, std::string("missing field '") + field + "'");
  if (!it->is_number_integer() || it->get<int64_t>() < minimum || it->get<int64_t>() > (1 << 30))
    fail(source,
         std::string("field '") + field + "' must be an integer >= " + std::to_string(minimum));
  return it->get<int>();
}

}  // namespace

int ModelConfig::max_tokens() const {
  return architecture == Architecture::XlmRoberta ? max_position_embeddings - pad_token_id - 1
                                                  : max_position_embeddings;
}

ModelConfig ModelConfig::load(const std::filesystem::path& config_json) {
  return parse(read_json_file(config_json), config_json.string());
}

ModelConfig ModelConfig::parse(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) fail(source, "not a JSON object");
  ModelConfig config;
  const auto type_it = json.find("model_type");
  if (type_it == json.end() || !type_it->is_string()) fail(source, "missing field 'model_type'");
  config.model_type = type_it->get<std::string>();
  if (config.model_type == "bert") {
    config.architecture = Architecture::Bert;
  } else if (config.model_type == "xlm-roberta" || config.model_type == "roberta") {
    config.architecture = Architecture::XlmRoberta;
  } else {
    fail(source, "unsupported model_type '" + config.model_type +
                     "' (expected bert, xlm-roberta or roberta)");
  }

  config.hidden_size = positive_int(json, source, "hidden_size");
  config.num_hidden_layers = positive_int(json, source, "num_hidden_layers");
  config.num_attention_heads = positive_int(json, source, "num_attention_heads");
  config.intermediate_size = positive_int(json, source, "intermediate_size");
  config.max_position_embeddings = positive_int(json, source, "max_position_embeddings");
  config.type_vocab_size = positive_int(json, source, "type_vocab_size");
  config.vocab_size = positive_int(json, source, "vocab_size");
  config.pad_token_id = positive_int(json, source, "pad_token_id", 0);
  if (config.hidden_size % config.num_attention_heads != 0)
    fail(source, "hidden_size " + std::to_string(config.hidden_size) +
                     " is not a multiple of num_attention_heads " +
                     std::to_string(config.num_attention_heads));
  if (config.max_tokens() < 1)
    fail(source, "max_position_embeddings leaves no usable position after the pad offset");

  const auto eps_it = json.find("layer_norm_eps");
  if (eps_it == json.end()) fail(source, "missing field 'layer_norm_eps'");
  if (!eps_it->is_number() || eps_it->get<double>() <= 0 || eps_it->get<double>() >= 1)
    fail(source, "field 'layer_norm_eps' must be a number in (0, 1)");
  config.layer_norm_eps = eps_it->get<float>();

  const auto act_it = json.find("hidden_act");
  if (act_it == json.end() || !act_it->is_string()) fail(source, "missing field 'hidden_act'");
  config.hidden_act_name = act_it->get<std::string>();
  // transformers: "gelu" is the exact erf form; only these names mean the tanh approximation.
  if (config.hidden_act_name == "gelu") {
    config.hidden_act = HiddenActivation::GeluErf;
  } else if (config.hidden_act_name == "gelu_new" ||
             config.hidden_act_name == "gelu_pytorch_tanh" ||
             config.hidden_act_name == "gelu_fast") {
    config.hidden_act = HiddenActivation::GeluTanh;
  } else if (config.hidden_act_name == "relu") {
    config.hidden_act = HiddenActivation::Relu;
  } else {
    fail(source, "unsupported hidden_act '" + config.hidden_act_name +
                     "' (expected gelu, gelu_new, gelu_pytorch_tanh, gelu_fast or relu)");
  }

  const auto position_type = json.find("position_embedding_type");
  if (position_type != json.end() && position_type->is_string() &&
      position_type->get<std::string>() != "absolute")
    fail(source, "unsupported position_embedding_type '" + position_type->get<std::string>() +
                     "' (only absolute)");
  return config;
}

}  // namespace embed
