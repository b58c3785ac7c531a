#pragma once
// Reader of a BERT vocab.txt: one token per line, id = line index. Lines are split on '\n' only
// and not trimmed (real vocabularies hold entries such as U+2028), as transformers reads them.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace embed {

std::vector<std::string> load_wordpiece_vocab(const std::filesystem::path& path);
std::vector<std::string> parse_wordpiece_vocab(std::string_view text);

}  // namespace embed
