#include "loaders/wordpiece_vocab.h"

#include <stdexcept>

#include "loaders/file_contents.h"

namespace embed {

std::vector<std::string> parse_wordpiece_vocab(std::string_view text) {
  std::vector<std::string> vocab;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    vocab.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return vocab;
}

std::vector<std::string> load_wordpiece_vocab(const std::filesystem::path& path) {
  std::vector<std::string> vocab = parse_wordpiece_vocab(read_file_contents(path));
  if (vocab.empty()) throw std::runtime_error(path.string() + ": empty vocabulary");
  return vocab;
}

}  // namespace embed
