// `embed encode` end to end: JSON Lines in, the reference's last hidden states out; bad input
// gives a one-line error and a non-zero exit.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/cli_runner.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

std::filesystem::path temp_file(const std::string& name, const std::string& contents) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("embed_encode_cli_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

std::vector<nlohmann::json> parse_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(EncodeCli, TokensMatchReference) {
  EMBED_REQUIRE_FIXTURES();
  for (const auto& model : test::fixture_model_names()) {
    const auto expected = test::load_expected(model);
    std::string input;
    std::vector<size_t> with_states;
    for (size_t i = 0; i < expected["inputs"].size(); ++i) {
      if (!expected["outputs"][i].contains("last_hidden_state")) continue;
      input += nlohmann::json{{"ids", expected["inputs"][i]["input_ids"]}}.dump() + "\n";
      with_states.push_back(i);
    }
    const auto path = temp_file(model + ".jsonl", input);
    const auto result = test::run_cli({"encode", "--model", test::fixture_model_dir(model).string(),
                                       "--input", path.string(), "--output", "tokens"});
    std::filesystem::remove(path);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto lines = parse_lines(result.out);
    ASSERT_EQ(lines.size(), with_states.size());
    for (size_t k = 0; k < lines.size(); ++k) {
      const auto& want = expected["outputs"][with_states[k]]["last_hidden_state"];
      const auto& got = lines[k]["tokens"];
      ASSERT_EQ(got.size(), want.size());
      for (size_t r = 0; r < got.size(); ++r)
        for (size_t c = 0; c < got[r].size(); ++c)
          ASSERT_NEAR(got[r][c].get<double>(), want[r][c].get<double>(), 1e-4)
              << model << " input " << with_states[k];
    }
  }
}

TEST(EncodeCli, ReadsStdin) {
  EMBED_REQUIRE_FIXTURES();
  const auto path = temp_file("stdin.jsonl", "{\"ids\": [0, 100, 2]}\n\n{\"ids\": [0, 2]}\n");
  const auto result = test::run_cli(
      {"encode", "--model", test::fixture_model_dir("tiny-bge-m3").string(), "--output", "tokens"},
      path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = parse_lines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["tokens"].size(), 3u);
  EXPECT_EQ(lines[1]["tokens"].size(), 2u);
}

struct BadInputCase {
  const char* name;
  std::string input;
  std::string error;
};

TEST(EncodeCli, BadInputsFailWithOneLine) {
  EMBED_REQUIRE_FIXTURES();
  const std::vector<BadInputCase> cases{
      {"id_past_vocab", "{\"ids\": [0, 9000, 2]}\n",
       "input 0: token id 9000 at position 1 is outside the vocabulary (vocab_size 8002)"},
      {"too_long", nlohmann::json{{"ids", std::vector<int>(600, 7)}}.dump() + "\n",
       "input 0: 600 tokens exceed the model's maximum of 512"},
      {"not_json", "{\"ids\": [0, 1\n", ":1: not valid JSON"},
      {"negative_id", "{\"ids\": [-4]}\n", ":1: \"ids\" must hold non-negative integers"},
  };
  for (const auto& c : cases) {
    const auto path = temp_file(c.name, c.input);
    const auto result =
        test::run_cli({"encode", "--model", test::fixture_model_dir("tiny-bge-m3").string(),
                       "--input", path.string(), "--output", "tokens"});
    std::filesystem::remove(path);
    EXPECT_EQ(result.exit_code, 1) << c.name;
    EXPECT_TRUE(result.out.empty()) << c.name;
    EXPECT_NE(result.err.find(c.error), std::string::npos) << c.name << ": " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

TEST(EncodeCli, MissingModelFolder) {
  const auto result = test::run_cli({"encode", "--model", "/nonexistent/model", "--input", "-"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "embed: error: /nonexistent/model: not a model folder\n");
}

}  // namespace
}  // namespace embed
