#include "loaders/json_file.h"

#include <stdexcept>

#include "loaders/file_contents.h"

namespace embed {

nlohmann::json parse_json_text(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error for syntax, out_of_range for numbers past double's range (e.g. 1e400).
    throw std::runtime_error(source + ": invalid JSON: " + e.what());
  }
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  return parse_json_text(read_file_contents(path), path.string());
}

}  // namespace embed
