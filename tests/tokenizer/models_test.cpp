// Unigram and WordPiece models.
#include <gtest/gtest.h>

#include "tokenizer/unigram.h"
#include "tokenizer/wordpiece.h"

namespace embed::tokenizer {
namespace {

using Strings = std::vector<std::string>;

Encoding run(const Model& model, std::string_view word) {
  Encoding e;
  model.tokenize(word, e);
  return e;
}

Unigram hf_doc_model() {
  return Unigram({{"<unk>", 0.0},
                  {"a", 0.0},
                  {"b", 0.0},
                  {"c", 0.0},
                  {"d", 0.0},
                  {"cd", 1.0},
                  {"ab", 2.0},
                  {"abc", 5.0},
                  {"abcd", 10.0}},
                 0);
}

TEST(Unigram, ViterbiAndFusedUnknowns) {
  Unigram model = hf_doc_model();
  Encoding e = run(model, "abcdacdxx");
  EXPECT_EQ(e.tokens, (Strings{"abcd", "a", "cd", "xx"}));
  EXPECT_EQ(e.ids, (std::vector<int32_t>{8, 1, 5, 0}));
  EXPECT_EQ(run(model, "x\u00E9y").tokens, (Strings{"x\u00E9y"}));
  EXPECT_EQ(run(model, "xay").ids, (std::vector<int32_t>{0, 1, 0}));
}

TEST(Unigram, TiesKeepTheFirstPathFound) {
  // ":::" as ":"+"::" and "::"+":" score the same; HF keeps ":" "::" (found first).
  Unigram model({{"<unk>", 0.0}, {":", -1.0}, {"::", -2.0}}, 0);
  EXPECT_EQ(run(model, ":::").tokens, (Strings{":", "::"}));
}

TEST(Unigram, Errors) {
  EXPECT_THROW(Unigram({}, 0), std::runtime_error);
  EXPECT_THROW(Unigram({{"a", 0.0}}, 1), std::runtime_error);
  EXPECT_EQ(hf_doc_model().token_to_id("abc"), 7);
  EXPECT_EQ(hf_doc_model().id_to_token(5), "cd");
}

WordPiece bert_like(size_t max_chars = 100) {
  return WordPiece({"[UNK]", "un", "##aff", "##able", "aff", "a", "##b", "##\u00E9"}, "[UNK]", "##",
                   max_chars);
}

TEST(WordPiece, GreedyLongestMatchFirst) {
  WordPiece model = bert_like();
  EXPECT_EQ(run(model, "unaffable").tokens, (Strings{"un", "##aff", "##able"}));
  EXPECT_EQ(run(model, "unaffable").ids, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(run(model, "ab\u00E9").tokens, (Strings{"a", "##b", "##\u00E9"}));
}

TEST(WordPiece, UnmatchedPositionOrLongWordIsOneUnk) {
  EXPECT_EQ(run(bert_like(), "unaffablex").tokens, (Strings{"[UNK]"}));
  EXPECT_EQ(run(bert_like(), "zz").ids, (std::vector<int32_t>{0}));
  EXPECT_EQ(run(bert_like(8), "unaffable").tokens, (Strings{"[UNK]"}));
  EXPECT_EQ(run(bert_like(9), "unaffable").tokens.size(), 3u);
  EXPECT_THROW(WordPiece({"a"}, "[UNK]", "##", 100), std::runtime_error);
}

}  // namespace
}  // namespace embed::tokenizer
