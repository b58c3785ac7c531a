#pragma once
// Reads the CLI's input files: JSON Lines, one {"text": "..."} or {"ids": [...]} object per
// line, or raw text, one input per line (--lines).
#include <cstdint>
#include <fstream>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace embed::cli {

struct InputRecord {
  size_t line = 0;                          // 1-based line number in the input
  std::optional<std::string> text;          // valid UTF-8 is not checked here
  std::optional<std::vector<int32_t>> ids;  // used as given, special tokens included
};

// The CLI's input: standard input for "-", else `file` opened on `path` (errors name the path).
std::istream& open_input(const std::string& path, std::ifstream& file);
// How an input is named in errors: "<stdin>" or its path.
std::string input_name(const std::string& path);

// `path` "-" reads stdin. Blank lines are skipped. Errors name the file and line.
std::vector<InputRecord> read_jsonl_inputs(const std::string& path);
// Each line one text, empty lines included (an empty text), without its line break ("\n" or
// "\r\n"). `path` "-" reads stdin.
std::vector<InputRecord> read_text_lines(const std::string& path);
// The help of the `--lines` flag that selects read_text_lines.
inline constexpr const char* kLinesFlagHelp = "The input file holds one raw text per line";

}  // namespace embed::cli
