#include "tools/embed/jsonl_input.h"

#include "tokenizer/utf8.h"

#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace embed::cli {
namespace {

InputRecord parse_record(const std::string& line_text, const std::string& where) {
  const auto json = nlohmann::json::parse(line_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) throw std::runtime_error(where + ": not valid JSON");
  if (!json.is_object())
    throw std::runtime_error(where + ": expected an object {\"text\": ...} or {\"ids\": [...]}");
  InputRecord record;
  if (const auto text = json.find("text"); text != json.end()) {
    if (!text->is_string()) throw std::runtime_error(where + ": \"text\" must be a string");
    record.text = text->get<std::string>();
  }
  if (const auto ids = json.find("ids"); ids != json.end()) {
    if (!ids->is_array()) throw std::runtime_error(where + ": \"ids\" must be an array");
    std::vector<int32_t> values;
    values.reserve(ids->size());
    for (const auto& id : *ids) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
          id.get<int64_t>() > std::numeric_limits<int32_t>::max())
        throw std::runtime_error(where + ": \"ids\" must hold non-negative integers");
      values.push_back(id.get<int32_t>());
    }
    record.ids = std::move(values);
  }
  if (record.text.has_value() == record.ids.has_value())
    throw std::runtime_error(where + ": expected exactly one of \"text\" or \"ids\"");
  return record;
}

}  // namespace

std::istream& open_input(const std::string& path, std::ifstream& file) {
  if (path == "-") return std::cin;
  file.open(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open input file");
  return file;
}

std::string input_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

std::vector<InputRecord> read_jsonl_inputs(const std::string& path) {
  std::ifstream file;
  std::istream& in = open_input(path, file);
  const std::string name = input_name(path);

  std::vector<InputRecord> records;
  std::string line_text;
  for (size_t line = 1; std::getline(in, line_text); ++line) {
    if (line_text.find_first_not_of(" \t\r") == std::string::npos) continue;
    // Named here: the JSON parser would only call the line invalid JSON.
    if (const size_t bad = tokenizer::find_invalid_utf8(line_text); bad != std::string::npos)
      throw std::runtime_error(name + ":" + std::to_string(line) + ": invalid UTF-8 at byte " +
                               std::to_string(bad + 1));
    InputRecord record = parse_record(line_text, name + ":" + std::to_string(line));
    record.line = line;
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<InputRecord> read_text_lines(const std::string& path) {
  std::ifstream file;
  std::istream& in = open_input(path, file);
  std::vector<InputRecord> records;
  std::string text;
  for (size_t line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    records.push_back({line, std::move(text), {}});
  }
  return records;
}

}  // namespace embed::cli
