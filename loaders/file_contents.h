#pragma once
#include <filesystem>
#include <string>

namespace embed {

// The whole file as bytes; throws "<path>: cannot open" when it cannot be read.
std::string read_file_contents(const std::filesystem::path& path);

}  // namespace embed
