#include "loaders/json_file.h"

#include "loaders/file_contents.h"

#include <stdexcept>

namespace embed {

nlohmann::json read_json_file(const std::filesystem::path& path) {
  const std::string text = read_file_contents(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(path.string() + ": invalid JSON: " + e.what());
  }
}

}  // namespace embed
