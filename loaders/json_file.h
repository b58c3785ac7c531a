#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>

namespace embed {

// Parses a JSON file; errors name the file and the parser's position ("<path>: invalid JSON: ...").
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace embed
