// Strip, Replace, Precompiled and BertNormalizer on small inputs.
#include <gtest/gtest.h>

#include "tokenizer/bert_normalizer.h"
#include "tokenizer/precompiled_charsmap.h"
#include "tokenizer/replace.h"
#include "tokenizer/strip.h"

namespace embed::tokenizer {
namespace {

std::string run(const Normalizer& n, std::string_view in) {
  std::string out;
  n.normalize(in, out);
  return out;
}

TEST(Strip, RemovesUnicodeWhitespaceOnTheChosenSides) {
  EXPECT_EQ(run(Strip(false, true), " a b \u3000\n"), " a b");
  EXPECT_EQ(run(Strip(true, false), "\u00A0\t a "), "a ");
  EXPECT_EQ(run(Strip(true, true), "   "), "");
}

TEST(Replace, RepeatedCharacterRegex) {
  Replace collapse(" {2,}", true, "\u2581");
  EXPECT_EQ(run(collapse, "a  b   c d"), "a\u2581b\u2581c d");
  EXPECT_EQ(run(Replace(" {2,}", true, " "), "  x  "), " x ");
  EXPECT_EQ(run(Replace("a{2}", true, "b"), "aaaaa"), "bba");
  EXPECT_EQ(run(Replace("\\.+", true, "."), "x...y"), "x.y");
  EXPECT_EQ(run(Replace("``", false, "\""), "``q``"), "\"q\"");
}

TEST(Replace, UnsupportedRegexIsAnError) {
  EXPECT_THROW(Replace("\\s+", true, " "), std::runtime_error);
  EXPECT_THROW(Replace("a|b", true, " "), std::runtime_error);
  EXPECT_THROW(Replace("a*", true, " "), std::runtime_error);
}

// A hand-built sentencepiece double array mapping "A" -> "a" and "AB" -> "x".
std::vector<uint8_t> tiny_charsmap() {
  std::vector<uint32_t> units(66, 0);
  units[0] = 1u << 10;                             // root: offset 1
  units[1 ^ 'A'] = 'A' | (1u << 8) | (1u << 10);   // 'A', has a leaf, offset 1 -> node 65
  units[65] = 0x80000000u | 0;                     // leaf value: replacement at 0
  units[65 ^ 'B'] = 'B' | (1u << 8) | (1u << 10);  // 'B' below "A"
  units[(65 ^ 'B') ^ 1] = 0x80000000u | 2;         // leaf value: replacement at 2
  std::vector<uint8_t> blob;
  auto put = [&](uint32_t v) {
    for (int k = 0; k < 4; ++k) blob.push_back(static_cast<uint8_t>(v >> (8 * k)));
  };
  put(static_cast<uint32_t>(units.size() * 4));
  for (uint32_t u : units) put(u);
  for (char c : std::string("a\0x\0", 4)) blob.push_back(static_cast<uint8_t>(c));
  return blob;
}

TEST(PrecompiledCharsmap, FirstMatchPerCharacterAndCluster) {
  PrecompiledCharsmap map(tiny_charsmap());
  std::string_view replacement;
  ASSERT_TRUE(map.transform("AB", replacement));
  EXPECT_EQ(replacement, "a");  // the first (shortest) match, as HF uses it
  EXPECT_FALSE(map.transform("B", replacement));
  EXPECT_EQ(run(map, "CAB"), "CaB");    // ASCII characters are clusters of their own
  EXPECT_EQ(run(map, "A\u0301"), "a");  // one cluster < 6 bytes: its first match replaces it all
  EXPECT_EQ(run(map, "\u00E9A"), "\u00E9a");
}

TEST(PrecompiledCharsmap, MalformedBlobIsAnError) {
  EXPECT_THROW(PrecompiledCharsmap(std::vector<uint8_t>{1, 0}), std::runtime_error);
  EXPECT_THROW(PrecompiledCharsmap(std::vector<uint8_t>{0xFF, 0, 0, 0, 1, 2, 3, 4}),
               std::runtime_error);
}

TEST(BertNormalizer, UncasedStripsAccentsThenLowercases) {
  BertNormalizer n({true, true, true, true});
  EXPECT_EQ(run(n, "H\u00E9llo W\u00D6RLD\t!"), "hello world !");
  EXPECT_EQ(run(n, "\u0130stanbul"), "istanbul");  // NFD I + U+0307, mark dropped
  EXPECT_EQ(run(n, std::string_view("a\0b\u200Bc\uFFFD\ad", 12)), "abcd");  // clean_text
  EXPECT_EQ(run(n, "x\u4E2Dy\U00020000z"), "x \u4E2D y \U00020000 z");
  EXPECT_EQ(run(n, "\u1E69"), "s");  // s + dot below + dot above, reordered then dropped
}

TEST(BertNormalizer, CasedAndKeepAccentsVariants) {
  EXPECT_EQ(run(BertNormalizer({true, true, false, true}), "\u0130 \u00C9"), "i\u0307 \u00E9");
  EXPECT_EQ(run(BertNormalizer({true, false, false, false}), "\u00C9\u4E2D"), "\u00C9\u4E2D");
  EXPECT_EQ(run(BertNormalizer({false, false, false, false}), "a\a"), "a\a");
}

TEST(BertNormalizer, ChineseRangesAreTheFastTokenizers) {
  EXPECT_TRUE(is_chinese_char(U'\U0002B920'));
  EXPECT_FALSE(is_chinese_char(U'\U0002B820'));  // only the slow Python tokenizer has it
  EXPECT_FALSE(is_chinese_char(U'\u3042'));      // hiragana
}

}  // namespace
}  // namespace embed::tokenizer
