#include "loaders/file_contents.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace embed {

std::string read_file_contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace embed
