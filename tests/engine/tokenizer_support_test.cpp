// The extra WordPiece tokenizers of fixtures/support (no expected outputs): bert-base-chinese
// (cased, CJK) and bert-base-uncased-keep-accents. Their tokenizer.json must agree with the
// vocab.txt + tokenizer_config.json route on every fixture string, and behave sanely.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/tokenizer.h"
#include "tests/test_support.h"

namespace embed {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> fixture_strings() {
  std::ifstream in(test::fixtures_dir() / "tokenizers" / "expected" /
                   "bert-base-uncased.tokenizer.jsonl");
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  return texts;
}

// A folder with a link to `vocab` and a tokenizer_config.json written from `config`.
struct VocabDir {
  VocabDir(const fs::path& vocab, const nlohmann::json& config) {
    path = fs::temp_directory_path() / ("embed_tok_support_" + std::to_string(::getpid()) + "_" +
                                        vocab.parent_path().filename().string());
    fs::remove_all(path);
    fs::create_directories(path);
    fs::create_symlink(fs::absolute(vocab), path / "vocab.txt");
    std::ofstream(path / "tokenizer_config.json") << config.dump();
  }
  ~VocabDir() { fs::remove_all(path); }
  fs::path path;
};

std::string joined_pieces(const Encoding& e) {
  std::string text;
  for (size_t i = 1; i + 1 < e.tokens.size(); ++i)
    text += e.tokens[i].rfind("##", 0) == 0 ? e.tokens[i].substr(2) : " " + e.tokens[i];
  return text;
}

void expect_same_ids(const Tokenizer& a, const Tokenizer& b) {
  size_t same = 0;
  const auto texts = fixture_strings();
  ASSERT_FALSE(texts.empty());
  for (const auto& text : texts) {
    Encoding x = a.encode(text), y = b.encode(text);
    if (x.ids == y.ids && x.tokens == y.tokens)
      ++same;
    else
      ADD_FAILURE() << "tokenizer.json and vocab.txt disagree on " << nlohmann::json(text).dump();
  }
  EXPECT_EQ(same, texts.size());
}

TEST(TokenizerSupport, BertBaseChinese) {
  EMBED_REQUIRE_FIXTURES();
  const fs::path dir = test::fixtures_dir() / "support" / "bert-base-chinese";
  Tokenizer tok = Tokenizer::load(dir);
  VocabDir vocab_only(dir / "vocab.txt", {{"do_lower_case", false}});
  expect_same_ids(tok, Tokenizer::load(vocab_only.path));

  // Every ideograph is its own word and in the vocabulary; cased text stays cased.
  Encoding e = tok.encode("我爱北京天安门");
  ASSERT_EQ(e.ids.size(), 9u);
  EXPECT_EQ(std::count(e.ids.begin(), e.ids.end(), tok.special_ids().unk), 0);
  EXPECT_EQ(joined_pieces(e), " 我 爱 北 京 天 安 门");
  // Cased: "Hello" is not lowercased (its vocabulary only has "hello").
  EXPECT_EQ(tok.encode("hello").tokens.at(1), "hello");
  EXPECT_EQ(tok.encode("Hello").ids.at(1), tok.special_ids().unk);
  EXPECT_EQ(tok.special_ids().cls_or_bos, 101);
  EXPECT_EQ(tok.special_ids().sep_or_eos, 102);
}

TEST(TokenizerSupport, BertUncasedKeepAccents) {
  EMBED_REQUIRE_FIXTURES();
  const fs::path dir = test::fixtures_dir() / "support" / "bert-base-uncased-keep-accents";
  Tokenizer tok = Tokenizer::load(dir);
  VocabDir vocab_only(test::fixtures_dir() / "tokenizers" / "bert-base-uncased" / "vocab.txt",
                      {{"do_lower_case", true}, {"strip_accents", false}});
  expect_same_ids(tok, Tokenizer::load(vocab_only.path));

  // Lowercased, accents kept: the accented word is unknown to this accent-free vocabulary,
  // while the default uncased tokenizer strips the accent.
  EXPECT_EQ(joined_pieces(tok.encode("NAÏVE HELLO")), " [UNK] hello");
  Tokenizer stripping = Tokenizer::load(test::fixtures_dir() / "tokenizers" / "bert-base-uncased");
  EXPECT_EQ(joined_pieces(stripping.encode("NAÏVE HELLO")), " naive hello");
}

}  // namespace
}  // namespace embed
