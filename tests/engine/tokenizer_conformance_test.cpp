// Conformance of embed::Tokenizer with HF tokenizers (Rust) on the shared fixtures: every line of
// expected/*.tokenizer*.jsonl and *.pairs.jsonl, through tokenizer.json (both XLM-R generations),
// through sentencepiece.bpe.model alone and through vocab.txt alone, and the fixture models'
// truncated input_ids.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/tokenizer.h"
#include "tests/fixture_models.h"
#include "tests/test_support.h"

namespace embed {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path tokenizers_dir() {
  return test::fixtures_dir() / "tokenizers";
}

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> lines;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(json::parse(line));
  return lines;
}

// A scratch folder holding links to chosen fixture files under the names the loader looks for.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    path_ = fs::temp_directory_path() /
            ("embed_tok_" + name + "_" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  void link(const fs::path& target, const std::string& name) const {
    fs::create_symlink(fs::absolute(target), path_ / name);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs every line of `expected` and returns how many matched; mismatches are reported.
size_t check_lines(const Tokenizer& tok, const fs::path& expected, size_t& total) {
  auto lines = read_jsonl(expected);
  total = lines.size();
  size_t passed = 0;
  size_t reported = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json& line = lines[i];
    const bool pair = line.contains("text_pair");
    Encoding e = pair ? tok.encode_pair(line["text"].get<std::string>(),
                                        line["text_pair"].get<std::string>())
                      : tok.encode(line["text"].get<std::string>());
    bool ok = e.ids == line["ids"].get<std::vector<int32_t>>() &&
              e.tokens == line["tokens"].get<std::vector<std::string>>();
    if (pair) ok = ok && e.type_ids == line["type_ids"].get<std::vector<int32_t>>();
    if (ok) {
      ++passed;
    } else if (reported++ < 5) {
      ADD_FAILURE() << expected.filename() << " line " << i + 1 << " text " << line["text"].dump()
                    << "\n  expected " << line["tokens"].dump() << "\n  got      "
                    << json(e.tokens).dump() << "\n  ids " << json(e.ids).dump();
    }
  }
  std::cout << "[ conformance ] " << expected.filename().string() << ": " << passed << "/" << total
            << " lines match\n";
  return passed;
}

void expect_all(const Tokenizer& tok, const std::string& expected_name) {
  size_t total = 0;
  size_t passed = check_lines(tok, tokenizers_dir() / "expected" / expected_name, total);
  EXPECT_GT(total, 0u);
  EXPECT_EQ(passed, total) << expected_name;
}

TEST(TokenizerConformance, XlmrTokenizerJson) {
  EMBED_REQUIRE_FIXTURES();
  Tokenizer tok = Tokenizer::load(tokenizers_dir() / "xlmr-unigram-8k");
  expect_all(tok, "xlmr-unigram-8k.tokenizer.jsonl");
  expect_all(tok, "xlmr-unigram-8k.pairs.jsonl");
}

TEST(TokenizerConformance, XlmrLegacyTokenizerJson) {
  EMBED_REQUIRE_FIXTURES();
  ScratchDir dir("legacy");
  dir.link(tokenizers_dir() / "xlmr-unigram-8k" / "tokenizer_v4.33_legacy.json", "tokenizer.json");
  expect_all(Tokenizer::load(dir.path()), "xlmr-unigram-8k.tokenizer_v4.33_legacy.jsonl");
}

TEST(TokenizerConformance, XlmrCompactTokenizerJson) {
  EMBED_REQUIRE_FIXTURES();
  ScratchDir dir("compact");
  json doc =
      json::parse(test::read_text_file(tokenizers_dir() / "xlmr-unigram-8k" / "tokenizer.json"));
  dir.write("tokenizer.json", doc.dump());  // no indentation
  expect_all(Tokenizer::load(dir.path()), "xlmr-unigram-8k.tokenizer.jsonl");
}

TEST(TokenizerConformance, XlmrSentencepieceModelOnly) {
  EMBED_REQUIRE_FIXTURES();
  ScratchDir dir("spm");
  const fs::path src = tokenizers_dir() / "xlmr-unigram-8k";
  dir.link(src / "sentencepiece.bpe.model", "sentencepiece.bpe.model");
  Tokenizer bare = Tokenizer::load(dir.path());
  expect_all(bare, "xlmr-unigram-8k.tokenizer.jsonl");
  expect_all(bare, "xlmr-unigram-8k.pairs.jsonl");
  dir.link(src / "tokenizer_config.json", "tokenizer_config.json");
  dir.link(src / "special_tokens_map.json", "special_tokens_map.json");
  expect_all(Tokenizer::load(dir.path()), "xlmr-unigram-8k.tokenizer.jsonl");
}

TEST(TokenizerConformance, BertTokenizerJson) {
  EMBED_REQUIRE_FIXTURES();
  Tokenizer tok = Tokenizer::load(tokenizers_dir() / "bert-base-uncased");
  expect_all(tok, "bert-base-uncased.tokenizer.jsonl");
  expect_all(tok, "bert-base-uncased.pairs.jsonl");
}

TEST(TokenizerConformance, BertVocabTxtOnly) {
  EMBED_REQUIRE_FIXTURES();
  ScratchDir dir("vocab");
  const fs::path src = tokenizers_dir() / "bert-base-uncased";
  for (const char* name : {"vocab.txt", "tokenizer_config.json", "special_tokens_map.json"})
    dir.link(src / name, name);
  Tokenizer tok = Tokenizer::load(dir.path());
  expect_all(tok, "bert-base-uncased.tokenizer.jsonl");
  expect_all(tok, "bert-base-uncased.pairs.jsonl");
}

TEST(TokenizerConformance, SpecialIdsAndSizes) {
  EMBED_REQUIRE_FIXTURES();
  Tokenizer xlmr = Tokenizer::load(tokenizers_dir() / "xlmr-unigram-8k");
  SpecialTokenIds s = xlmr.special_ids();
  EXPECT_EQ(std::vector<int32_t>({s.cls_or_bos, s.sep_or_eos, s.pad, s.unk}),
            std::vector<int32_t>({0, 2, 1, 3}));
  EXPECT_EQ(xlmr.vocab_size(), 8002u);
  EXPECT_EQ(xlmr.num_special_tokens_added(false), 2u);
  EXPECT_EQ(xlmr.num_special_tokens_added(true), 4u);
  EXPECT_EQ(xlmr.id_to_token(8001), "<mask>");
  EXPECT_EQ(xlmr.token_to_id("\u2581H"), 321);
  Tokenizer bert = Tokenizer::load(tokenizers_dir() / "bert-base-uncased");
  s = bert.special_ids();
  EXPECT_EQ(std::vector<int32_t>({s.cls_or_bos, s.sep_or_eos, s.pad, s.unk}),
            std::vector<int32_t>({101, 102, 0, 100}));
  EXPECT_EQ(bert.vocab_size(), 30522u);
  EXPECT_EQ(bert.num_special_tokens_added(true), 3u);
}

TEST(TokenizerConformance, ConcurrentEncodesAgree) {
  EMBED_REQUIRE_FIXTURES();
  for (const std::string name : {"xlmr-unigram-8k", "bert-base-uncased"}) {
    Tokenizer tok = Tokenizer::load(tokenizers_dir() / name);
    std::vector<std::string> texts;
    for (const auto& line : read_jsonl(tokenizers_dir() / "expected" / (name + ".tokenizer.jsonl")))
      texts.push_back(line["text"].get<std::string>());
    std::vector<std::vector<int32_t>> reference;
    for (const auto& t : texts) reference.push_back(tok.encode(t).ids);
    std::vector<size_t> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (size_t k = 0; k < mismatches.size(); ++k)
      threads.emplace_back([&, k] {
        for (size_t round = 0; round < 3; ++round)
          for (size_t i = 0; i < texts.size(); ++i)
            mismatches[k] += tok.encode(texts[(i + k * 37) % texts.size()]).ids !=
                             reference[(i + k * 37) % texts.size()];
      });
    for (auto& t : threads) t.join();
    for (size_t m : mismatches) EXPECT_EQ(m, 0u) << name;
  }
}

TEST(TokenizerConformance, FixtureModelsInputIds) {
  EMBED_REQUIRE_FIXTURES();
  for (const std::string& name : test::fixture_model_names()) {
    Tokenizer tok = Tokenizer::load(test::fixture_model_dir(name));
    json expected = test::load_expected(name);
    const size_t max_length = expected["max_length"].get<size_t>();
    size_t passed = 0;
    const json& inputs = expected["inputs"];
    for (size_t i = 0; i < inputs.size(); ++i) {
      Encoding e = tok.encode(inputs[i]["text"].get<std::string>(), max_length);
      auto want = inputs[i]["input_ids"].get<std::vector<int32_t>>();
      if (e.ids == want)
        ++passed;
      else
        ADD_FAILURE() << name << " input " << i << ": ids differ";
    }
    std::cout << "[ conformance ] " << name << "/expected.json: " << passed << "/" << inputs.size()
              << " inputs match\n";
  }
}

}  // namespace
}  // namespace embed
