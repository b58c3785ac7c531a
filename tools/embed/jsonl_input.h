#pragma once
// Reads the CLI's JSON Lines input: one {"text": "..."} or {"ids": [...]} object per line.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace embed::cli {

struct InputRecord {
  size_t line = 0;                          // 1-based line number in the input
  std::optional<std::string> text;          // valid UTF-8 is not checked here
  std::optional<std::vector<int32_t>> ids;  // used as given, special tokens included
};

// `path` "-" reads stdin. Blank lines are skipped. Errors name the file and line.
std::vector<InputRecord> read_jsonl_inputs(const std::string& path);

}  // namespace embed::cli
