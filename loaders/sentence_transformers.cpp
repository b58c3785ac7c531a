#include "loaders/sentence_transformers.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "loaders/json_file.h"

namespace embed {
namespace {

bool flag(const nlohmann::json& json, const char* name) {
  const auto it = json.find(name);
  return it != json.end() && it->is_boolean() && it->get<bool>();
}

PoolingMode read_pooling(const std::filesystem::path& path) {
  const auto json = read_json_file(path);
  if (!json.is_object()) throw std::runtime_error(path.string() + ": not a JSON object");
  for (const char* unsupported :
       {"pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens"})
    if (flag(json, unsupported))
      throw std::runtime_error(path.string() + ": unsupported pooling mode '" + unsupported +
                               "' (supported: cls, mean, max, lasttoken)");
  if (json.contains("include_prompt") && !flag(json, "include_prompt"))
    throw std::runtime_error(path.string() + ": include_prompt=false is not supported");
  const std::pair<const char*, PoolingMode> modes[] = {
      {"pooling_mode_cls_token", PoolingMode::Cls},
      {"pooling_mode_mean_tokens", PoolingMode::Mean},
      {"pooling_mode_max_tokens", PoolingMode::Max},
      {"pooling_mode_lasttoken", PoolingMode::LastToken},
  };
  std::optional<PoolingMode> chosen;
  for (const auto& [name, mode] : modes) {
    if (!flag(json, name)) continue;
    // sentence-transformers concatenates several modes; no embedding model we target does.
    if (chosen) throw std::runtime_error(path.string() + ": several pooling modes are enabled");
    chosen = mode;
  }
  if (!chosen) throw std::runtime_error(path.string() + ": no pooling mode is enabled");
  return *chosen;
}

}  // namespace

std::optional<SentenceTransformersConfig> load_sentence_transformers_config(
    const std::filesystem::path& model_dir) {
  const auto modules_path = model_dir / "modules.json";
  if (!std::filesystem::exists(modules_path)) return std::nullopt;
  const auto modules = read_json_file(modules_path);
  if (!modules.is_array())
    throw std::runtime_error(modules_path.string() + ": expected an array of modules");

  SentenceTransformersConfig config;
  bool has_pooling = false;
  for (const auto& module : modules) {
    if (!module.is_object())
      throw std::runtime_error(modules_path.string() + ": each module must be an object");
    const auto text = [&](const char* field) {
      const auto it = module.find(field);
      if (it == module.end()) return std::string();
      if (!it->is_string())
        throw std::runtime_error(modules_path.string() + ": a module's '" + field +
                                 "' must be a string");
      return it->get<std::string>();
    };
    const std::string type = text("type");
    const std::string path = text("path");
    if (type.ends_with(".Pooling")) {
      config.pooling = read_pooling(model_dir / path / "config.json");
      has_pooling = true;
    } else if (type.ends_with(".Normalize")) {
      config.normalize = true;
    } else if (!type.ends_with(".Transformer")) {
      // A Dense projection or similar would change the vectors; refusing beats silent garbage.
      throw std::runtime_error(modules_path.string() + ": unsupported module type '" + type +
                               "' (supported: Transformer, Pooling, Normalize)");
    }
  }
  if (!has_pooling)
    throw std::runtime_error(modules_path.string() + ": no sentence_transformers Pooling module");

  const auto st_config = model_dir / "sentence_bert_config.json";
  if (std::filesystem::exists(st_config)) {
    const auto json = read_json_file(st_config);
    const auto it = json.find("max_seq_length");
    if (it != json.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
          it->get<int64_t>() > std::numeric_limits<int>::max())
        throw std::runtime_error(st_config.string() +
                                 ": max_seq_length must be a positive integer");
      config.max_seq_length = it->get<int>();
    }
  }
  return config;
}

}  // namespace embed
