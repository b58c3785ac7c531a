// Added tokens, post-processing, truncation and the assembled pipeline.
#include <gtest/gtest.h>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bert_normalizer.h"
#include "tokenizer/bert_pre_tokenizer.h"
#include "tokenizer/pipeline.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/wordpiece.h"

namespace embed::tokenizer {
namespace {

using Strings = std::vector<std::string>;

std::vector<std::string> split(const AddedTokens& added, std::string_view text) {
  std::vector<AddedTokens::Piece> pieces;
  added.split(text, false, pieces);
  Strings out;
  for (const auto& p : pieces)
    out.push_back((p.token >= 0 ? "#" : "") + std::string(text.substr(p.begin, p.end - p.begin)));
  return out;
}

TEST(AddedTokens, LeftmostLongestWithStripOptions) {
  AddedTokens added(
      {{0, "<s>"}, {1, "<s>x"}, {2, "<mask>", false, true}, {3, "[E]", false, false, true}},
      nullptr);
  EXPECT_EQ(split(added, "a<s>xb<s>"), (Strings{"a", "#<s>x", "b", "#<s>"}));
  EXPECT_EQ(split(added, "a  <mask> b"), (Strings{"a", "#  <mask>", " b"}));
  EXPECT_EQ(split(added, "[E] \t z"), (Strings{"#[E] \t ", "z"}));
  EXPECT_EQ(split(added, ""), Strings{});
}

TEST(AddedTokens, SingleWordRejectsMatchesInsideWords) {
  AddedTokens added({{0, "ony", true}}, nullptr);
  EXPECT_EQ(split(added, "Anthony ony, x"), (Strings{"Anthony ", "#ony", ", x"}));
}

TEST(TemplateProcessing, WrapsAndCountsSpecialTokens) {
  TemplatePiece cls{-1, {101}, {"[CLS]"}, 0}, sep{-1, {102}, {"[SEP]"}, 0},
      sep1{-1, {102}, {"[SEP]"}, 1};
  TemplateProcessing post({cls, {0, {}, {}, 0}, sep},
                          {cls, {0, {}, {}, 0}, sep, {1, {}, {}, 1}, sep1});
  EXPECT_EQ(post.added_tokens(false), 2u);
  EXPECT_EQ(post.added_tokens(true), 3u);
  Encoding a{{7, 8}, {"x", "y"}, {}}, b{{9}, {"z"}, {}};
  Encoding e = post.apply(a, &b);
  EXPECT_EQ(e.ids, (std::vector<int32_t>{101, 7, 8, 102, 9, 102}));
  EXPECT_EQ(e.type_ids, (std::vector<int32_t>{0, 0, 0, 0, 1, 1}));
  EXPECT_THROW(TemplateProcessing({cls}, {cls}), std::runtime_error);
}

TEST(Truncation, LongestFirstMatchesHf) {
  // HF's truncate_encodings_longest_first table with max_length 7.
  auto lengths = [](size_t n1, size_t n2) {
    Encoding a, b;
    a.ids.assign(n1, 1);
    a.tokens.assign(n1, "a");
    b.ids.assign(n2, 2);
    b.tokens.assign(n2, "b");
    truncate(a, &b, 7);
    return std::pair{a.ids.size(), b.ids.size()};
  };
  EXPECT_EQ(lengths(0, 8), (std::pair<size_t, size_t>{0, 7}));
  EXPECT_EQ(lengths(2, 8), (std::pair<size_t, size_t>{2, 5}));
  EXPECT_EQ(lengths(4, 4), (std::pair<size_t, size_t>{3, 4}));
  EXPECT_EQ(lengths(4, 8), (std::pair<size_t, size_t>{3, 4}));
  EXPECT_EQ(lengths(8, 2), (std::pair<size_t, size_t>{5, 2}));
  EXPECT_EQ(lengths(8, 4), (std::pair<size_t, size_t>{4, 3}));
  EXPECT_EQ(lengths(8, 8), (std::pair<size_t, size_t>{3, 4}));
}

Pipeline tiny_bert() {
  std::vector<std::unique_ptr<Normalizer>> normalizers;
  normalizers.push_back(std::make_unique<BertNormalizer>(BertNormalizer::Options{}));
  TemplatePiece cls{-1, {2}, {"[CLS]"}, 0}, sep{-1, {3}, {"[SEP]"}, 0}, sep1{-1, {3}, {"[SEP]"}, 1};
  return Pipeline(
      std::move(normalizers), std::make_unique<BertPreTokenizer>(),
      std::make_unique<WordPiece>(
          Strings{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "!"}, "[UNK]", "##", 100),
      {{2, "[CLS]"}, {3, "[SEP]"}},
      TemplateProcessing({cls, {0, {}, {}, 0}, sep},
                         {cls, {0, {}, {}, 0}, sep, {1, {}, {}, 1}, sep1}));
}

TEST(Pipeline, EncodesTruncatesAndRejectsBadUtf8) {
  Pipeline p = tiny_bert();
  EXPECT_EQ(p.encode("Hello WORLD!", 0).ids, (std::vector<int32_t>{2, 4, 5, 6, 3}));
  EXPECT_EQ(p.encode("Hello[SEP]x", 0).tokens,
            (Strings{"[CLS]", "hello", "[SEP]", "[UNK]", "[SEP]"}));
  EXPECT_EQ(p.encode("hello world !", 4).ids, (std::vector<int32_t>{2, 4, 5, 3}));
  EXPECT_EQ(p.encode("", 0).ids, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(p.encode(" \t\n", 2).ids, (std::vector<int32_t>{2, 3}));
  EXPECT_THROW(p.encode("hello", 1), std::runtime_error);
  EXPECT_THROW(p.encode("bad \xFF", 0), std::runtime_error);
  EXPECT_EQ(p.encode_pair("hello", "world", 0).type_ids, (std::vector<int32_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(p.token_to_id("world"), 5);
  EXPECT_EQ(p.id_to_token(3), "[SEP]");
  EXPECT_EQ(p.added_tokens(true), 3u);
}

}  // namespace
}  // namespace embed::tokenizer
