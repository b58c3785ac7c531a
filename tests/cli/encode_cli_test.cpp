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
       ":1: token id 9000 at position 1 is outside the vocabulary (vocab_size 8002)"},
      {"too_long", nlohmann::json{{"ids", std::vector<int>(600, 7)}}.dump() + "\n",
       ":1: 600 tokens exceed the model's maximum of 512"},
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
  EXPECT_EQ(result.err.rfind("embed: error: model '/nonexistent/model' not found", 0), 0u)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

}  // namespace
}  // namespace embed

namespace embed {
namespace {

std::string texts_jsonl(const nlohmann::json& expected) {
  std::string input;
  for (const auto& item : expected["inputs"])
    input += nlohmann::json{{"text", item["text"]}}.dump() + "\n";
  return input;
}

void expect_near(const nlohmann::json& got, const nlohmann::json& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i].is_array()) {
      expect_near(got[i], want[i], what);
    } else {
      ASSERT_NEAR(got[i].get<double>(), want[i].get<double>(), 1e-4) << what << " [" << i << "]";
    }
  }
}

TEST(EncodeCli, TextToAllOutputsMatchesReference) {
  EMBED_REQUIRE_FIXTURES();
  const auto expected = test::load_expected("tiny-bge-m3");
  const auto path = temp_file("texts.jsonl", texts_jsonl(expected));
  const auto result =
      test::run_cli({"encode", "--model", test::fixture_model_dir("tiny-bge-m3").string(),
                     "--input", path.string(), "--output", "dense,sparse,colbert"});
  std::filesystem::remove(path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = parse_lines(result.out);
  ASSERT_EQ(lines.size(), expected["inputs"].size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& want = expected["outputs"][i];
    expect_near(lines[i]["dense"], want["dense"], "dense " + std::to_string(i));
    ASSERT_EQ(lines[i]["sparse"].size(), want["lexical_weights"].size()) << i;
    for (const auto& [id, weight] : lines[i]["sparse"].items())
      EXPECT_NEAR(weight.get<double>(), want["lexical_weights"][id].get<double>(), 1e-4);
    if (want.contains("colbert_vecs"))
      expect_near(lines[i]["colbert"], want["colbert_vecs"], "colbert " + std::to_string(i));
    EXPECT_FALSE(lines[i].contains("tokens"));
  }
}

TEST(EncodeCli, DenseByDefaultForEveryModel) {
  EMBED_REQUIRE_FIXTURES();
  for (const auto& model : test::fixture_model_names()) {
    const auto expected = test::load_expected(model);
    const auto path = temp_file(model + "_texts.jsonl", texts_jsonl(expected));
    const auto result = test::run_cli(
        {"encode", "--model", test::fixture_model_dir(model).string(), "--input", path.string()});
    std::filesystem::remove(path);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto lines = parse_lines(result.out);
    ASSERT_EQ(lines.size(), expected["inputs"].size());
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i].size(), 1u) << "only the dense key";
      expect_near(lines[i]["dense"], expected["outputs"][i]["dense"], model);
    }
  }
}

TEST(EncodeCli, RawLinesAndArgumentsAndNpy) {
  EMBED_REQUIRE_FIXTURES();
  const auto expected = test::load_expected("tiny-minilm");
  const std::string first = expected["inputs"][0]["text"], second = expected["inputs"][3]["text"];
  const auto path = temp_file("raw.txt", first + "\n" + second + "\n");
  const auto npy =
      std::filesystem::temp_directory_path() / ("embed_cli_" + std::to_string(::getpid()) + ".npy");
  const auto result = test::run_cli(
      {"encode", "--model", test::fixture_model_dir("tiny-minilm").string(), "--input",
       path.string(), "--lines", "--format", "npy", "--out", npy.string(), second});
  std::filesystem::remove(path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string bytes = test::read_text_file(npy);
  const auto sidecar = nlohmann::json::parse(test::read_text_file(npy.string() + ".json"));
  std::filesystem::remove(npy);
  std::filesystem::remove(npy.string() + ".json");
  EXPECT_EQ(sidecar["count"], 3);
  EXPECT_EQ(sidecar["dim"], 64);
  EXPECT_EQ(sidecar["space_id"].get<std::string>().rfind("bert-64-mean-l2-", 0), 0u);
  ASSERT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  const size_t header =
      10 + static_cast<unsigned char>(bytes[8]) + 256 * static_cast<unsigned char>(bytes[9]);
  EXPECT_EQ(header % 64, 0u);
  EXPECT_NE(bytes.find("'shape': (3, 64)"), std::string::npos);
  ASSERT_EQ(bytes.size(), header + 3 * 64 * sizeof(float));
  const auto* rows = reinterpret_cast<const float*>(bytes.data() + header);
  const size_t expected_rows[] = {0, 3, 3};
  for (size_t r = 0; r < 3; ++r)
    for (size_t c = 0; c < 64; ++c)
      ASSERT_NEAR(rows[r * 64 + c], expected["outputs"][expected_rows[r]]["dense"][c].get<double>(),
                  1e-4);
}

TEST(ScoreCli, MatchesReferencePairScores) {
  EMBED_REQUIRE_FIXTURES();
  const auto expected = test::load_expected("tiny-bge-m3");
  const auto& cs = expected["compute_score"];
  // Pair 6 (a text with itself) is unaffected by FlagEmbedding's padded-passage ColBERT quirk (see
  // the engine test).
  const size_t q = cs["pairs"][6][0], p = cs["pairs"][6][1];
  const auto result =
      test::run_cli({"score", "--model", test::fixture_model_dir("tiny-bge-m3").string(), "--query",
                     expected["inputs"][q]["text"], "--passage", expected["inputs"][p]["text"],
                     "--weights", "0.4,0.2,0.4"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_NEAR(json["dense"].get<double>(), cs["dense"][6].get<double>(), 1e-4);
  EXPECT_NEAR(json["sparse"].get<double>(), cs["sparse"][6].get<double>(), 1e-4);
  EXPECT_NEAR(json["colbert"].get<double>(), cs["colbert"][6].get<double>(), 1e-4);
  EXPECT_NEAR(json["combined"].get<double>(),
              cs["combined"][1]["colbert+sparse+dense"][6].get<double>(), 1e-4);
}

TEST(InfoCli, DescribesTheModel) {
  EMBED_REQUIRE_FIXTURES();
  const auto result =
      test::run_cli({"info", "--model", test::fixture_model_dir("tiny-minilm").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["architecture"], "bert");
  EXPECT_EQ(json["pooling"], "mean");
  EXPECT_EQ(json["max_length"], 256);
  EXPECT_EQ(json["outputs"], nlohmann::json({"dense", "tokens"}));
  EXPECT_GT(json["parameter_count"].get<int64_t>(), 0);
}

TEST(Cli, HelpAndUsageErrors) {
  const auto help = test::run_cli({"encode", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option :
       {"--model", "--input", "--output", "--max-length", "--batch-tokens", "--no-normalize",
        "--format", "--out", "--threads", "--lines", "--sparse-tokens"})
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  const auto top = test::run_cli({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Exit codes"), std::string::npos);
  EXPECT_EQ(test::run_cli({"encode"}).exit_code, 2) << "missing --model";
  EXPECT_EQ(test::run_cli({"frobnicate"}).exit_code, 2);
}

TEST(EncodeCli, TextErrorsNameTheLine) {
  EMBED_REQUIRE_FIXTURES();
  const auto path = temp_file("bad_utf8.txt", std::string("fine\nbad \xff byte\n"));
  const auto result =
      test::run_cli({"encode", "--model", test::fixture_model_dir("tiny-bge-m3").string(),
                     "--input", path.string(), "--lines"});
  std::filesystem::remove(path);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(path.string() + ":2: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("UTF-8"), std::string::npos) << result.err;
  // JSON Lines input names the line too (the JSON parser alone would say "not valid JSON").
  const auto jsonl =
      temp_file("bad_utf8.jsonl", std::string("{\"text\": \"ok\"}\n{\"text\": \"\xff\"}\n"));
  const auto from_jsonl =
      test::run_cli({"encode", "--model", test::fixture_model_dir("tiny-bge-m3").string(),
                     "--input", jsonl.string()});
  std::filesystem::remove(jsonl);
  EXPECT_EQ(from_jsonl.exit_code, 1);
  EXPECT_NE(from_jsonl.err.find(jsonl.string() + ":2: invalid UTF-8 at byte 11"), std::string::npos)
      << from_jsonl.err;
  const auto no_head =
      test::run_cli({"encode", "--model", test::fixture_model_dir("tiny-minilm").string(),
                     "--output", "sparse", "hello"});
  EXPECT_EQ(no_head.exit_code, 1);
  EXPECT_NE(no_head.err.find("has no sparse_linear head"), std::string::npos);
}

}  // namespace
}  // namespace embed
