// `embed tokenize` end to end: fixture strings in (arguments, a JSON Lines file, stdin), the
// HF reference ids and tokens out; truncation; one-line errors with a non-zero exit.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/cli_runner.h"
#include "tests/test_support.h"

namespace embed {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path temp_file(const std::string& name, const std::string& contents) {
  const auto path =
      fs::temp_directory_path() / ("embed_tokenize_cli_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

std::vector<json> parse_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

std::vector<json> expected_lines(const std::string& name) {
  return parse_lines(test::read_text_file(test::fixtures_dir() / "tokenizers" / "expected" / name));
}

fs::path tokenizer_dir(const std::string& name) {
  return test::fixtures_dir() / "tokenizers" / name;
}

TEST(TokenizeCli, JsonLinesFileMatchesReference) {
  EMBED_REQUIRE_FIXTURES();
  for (const std::string name : {"xlmr-unigram-8k", "bert-base-uncased"}) {
    const auto expected = expected_lines(name + ".tokenizer.jsonl");
    std::string input;
    for (const auto& line : expected) input += json{{"text", line["text"]}}.dump() + "\n";
    const auto path = temp_file(name + ".jsonl", input);
    const auto result = test::run_cli(
        {"tokenize", "--model", tokenizer_dir(name).string(), "--input", path.string()});
    fs::remove(path);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto lines = parse_lines(result.out);
    ASSERT_EQ(lines.size(), expected.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i]["ids"], expected[i]["ids"]) << name << " line " << i + 1;
      EXPECT_EQ(lines[i]["tokens"], expected[i]["tokens"]) << name << " line " << i + 1;
    }
  }
}

TEST(TokenizeCli, TextArgumentsAndStdin) {
  EMBED_REQUIRE_FIXTURES();
  const auto dir = tokenizer_dir("bert-base-uncased").string();
  auto result = test::run_cli({"tokenize", "--model", dir, "Hello world!", ""});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto lines = parse_lines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["ids"], json({101, 7592, 2088, 999, 102}));
  EXPECT_EQ(lines[0]["tokens"], json({"[CLS]", "hello", "world", "!", "[SEP]"}));
  EXPECT_EQ(lines[1]["ids"], json({101, 102}));

  const auto path = temp_file("stdin.jsonl", "{\"text\": \"hello world\"}\n");
  result = test::run_cli({"tokenize", "--model", dir}, path.string());
  fs::remove(path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  lines = parse_lines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["ids"], json({101, 7592, 2088, 102}));
}

// --lines: one raw text per line, "\r\n" endings and empty lines (empty texts) included, from a
// file or stdin.
TEST(TokenizeCli, LinesInputHoldsRawTexts) {
  EMBED_REQUIRE_FIXTURES();
  const auto dir = tokenizer_dir("bert-base-uncased").string();
  const auto path = temp_file("raw.txt", "Hello world!\r\n\n{\"text\": \"x\"}\nhello world");
  for (const bool from_stdin : {false, true}) {
    const auto result =
        from_stdin ? test::run_cli({"tokenize", "--model", dir, "--lines"}, path.string())
                   : test::run_cli({"tokenize", "--model", dir, "--lines", "-i", path.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto lines = parse_lines(result.out);
    ASSERT_EQ(lines.size(), 4u) << result.out;
    EXPECT_EQ(lines[0]["ids"], json({101, 7592, 2088, 999, 102}));
    EXPECT_EQ(lines[1]["ids"], json({101, 102}));
    EXPECT_EQ(lines[2]["tokens"].front(), "[CLS]");
    EXPECT_EQ(lines[2]["tokens"][1], "{") << "a JSON-looking line is text too";
    EXPECT_EQ(lines[3]["ids"], json({101, 7592, 2088, 102}));
  }
  fs::remove(path);
}

TEST(TokenizeCli, MaxLengthKeepsSpecialTokens) {
  EMBED_REQUIRE_FIXTURES();
  const auto result =
      test::run_cli({"tokenize", "--model", tokenizer_dir("xlmr-unigram-8k").string(),
                     "--max-length", "4", "Hello world!"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = parse_lines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["ids"], json({0, 321, 1157, 2}));
  EXPECT_EQ(lines[0]["tokens"], json({"<s>", "\u2581H", "ell", "</s>"}));
}

TEST(TokenizeCli, InvalidUtf8NamesTheLine) {
  EMBED_REQUIRE_FIXTURES();
  const auto path = temp_file("bad.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"bad \xC3\x28\"}\n");
  const auto result =
      test::run_cli({"tokenize", "--model", tokenizer_dir("bert-base-uncased").string(), "--input",
                     path.string()});
  fs::remove(path);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(path.string() + ":2:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("UTF-8"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;

  const auto arg = test::run_cli(
      {"tokenize", "--model", tokenizer_dir("bert-base-uncased").string(), "ok", "bad \xFF"});
  EXPECT_EQ(arg.exit_code, 1);
  EXPECT_NE(arg.err.find("TEXT argument 2"), std::string::npos) << arg.err;
}

TEST(TokenizeCli, MissingTokenizerIsAnError) {
  const auto dir =
      fs::temp_directory_path() / ("embed_tokenize_empty_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto result = test::run_cli({"tokenize", "--model", dir.string(), "text"});
  fs::remove_all(dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no tokenizer.json"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace embed
