// BertPreTokenizer and Metaspace.
#include <gtest/gtest.h>

#include "tokenizer/bert_pre_tokenizer.h"
#include "tokenizer/metaspace.h"

namespace embed::tokenizer {
namespace {

std::vector<std::string> words(const PreTokenizer& p, std::string_view text, bool at_start = true) {
  std::string scratch;
  std::vector<std::string_view> views;
  p.split(text, at_start, scratch, views);
  return {views.begin(), views.end()};
}

using Words = std::vector<std::string>;

TEST(BertPreTokenizer, SplitsOnWhitespaceAndIsolatesPunctuation) {
  BertPreTokenizer p;
  EXPECT_EQ(words(p, "  hello, world!!  "), (Words{"hello", ",", "world", "!", "!"}));
  EXPECT_EQ(words(p, "a$b^c\u00BFd\u3000e"), (Words{"a", "$", "b", "^", "c", "\u00BF", "d", "e"}));
  EXPECT_EQ(words(p, "\u2603x"), (Words{"\u2603x"}));  // So is not punctuation
  EXPECT_TRUE(words(p, " \t ").empty());
}

TEST(Metaspace, AlwaysPrependsAndSplitsBeforeEachReplacement) {
  Metaspace m("\u2581", Metaspace::PrependScheme::kAlways, true);
  EXPECT_EQ(words(m, "Hey friend!"), (Words{"\u2581Hey", "\u2581friend!"}));
  EXPECT_EQ(words(m, "Hey   friend"), (Words{"\u2581Hey", "\u2581", "\u2581", "\u2581friend"}));
  EXPECT_EQ(words(m, "\u2581x"), (Words{"\u2581x"}));
  EXPECT_EQ(words(m, "x ", false), (Words{"\u2581x", "\u2581"}));
}

TEST(Metaspace, FirstNeverAndNoSplit) {
  Metaspace first("\u2581", Metaspace::PrependScheme::kFirst, true);
  EXPECT_EQ(words(first, "a b", true), (Words{"\u2581a", "\u2581b"}));
  EXPECT_EQ(words(first, "a b", false), (Words{"a", "\u2581b"}));
  Metaspace never("\u2581", Metaspace::PrependScheme::kNever, false);
  EXPECT_EQ(words(never, "a b"), (Words{"a\u2581b"}));
}

}  // namespace
}  // namespace embed::tokenizer
