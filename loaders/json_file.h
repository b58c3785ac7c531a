#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace embed {

// Parses JSON text; every error (syntax, or a number beyond double's range) names the source and
// the parser's position ("<source>: invalid JSON: ...").
nlohmann::json parse_json_text(std::string_view text, const std::string& source);

// parse_json_text of a file's contents, the file named in errors.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace embed
