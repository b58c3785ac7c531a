#include "tokenizer/unicode.h"

#include <gtest/gtest.h>

#include <cstring>

namespace embed::tokenizer {
namespace {

TEST(Unicode, VersionIsNamed) {
  EXPECT_EQ(std::strncmp(unicode_version(), "15.", 3), 0);
}

TEST(Unicode, WhitespaceIsTheWhiteSpaceProperty) {
  for (char32_t c : {U' ', U'\t', U'\n', U'\v', U'\f', U'\r', char32_t{0x85}, U'\u00A0', U'\u1680',
                     U'\u2000', U'\u200A', U'\u2028', U'\u2029', U'\u202F', U'\u205F', U'\u3000'})
    EXPECT_TRUE(is_whitespace(c)) << std::hex << uint32_t(c);
  for (char32_t c : {U'a', U'\u200B', U'\u180E', U'\uFEFF', U'\0'})
    EXPECT_FALSE(is_whitespace(c)) << std::hex << uint32_t(c);
}

TEST(Unicode, Categories) {
  EXPECT_TRUE(is_punctuation(U'\u00BF'));  // ¿ Po
  EXPECT_TRUE(is_punctuation(U'\u2014'));  // — Pd
  EXPECT_FALSE(is_punctuation(U'$'));      // Sc: ASCII symbols are the pre-tokenizer's business
  EXPECT_TRUE(is_other(U'\u200B'));        // Cf
  EXPECT_TRUE(is_other(U'\uE000'));        // Co
  EXPECT_TRUE(is_other(U'\U000E0080'));    // Cn (unassigned)
  EXPECT_FALSE(is_other(U'a'));
  EXPECT_TRUE(is_mark_nonspacing(U'\u0301'));
  EXPECT_FALSE(is_mark_nonspacing(U'\u0903'));  // Mc
  EXPECT_TRUE(is_word_char(U'\u00E9'));
  EXPECT_TRUE(is_word_char(U'_'));
  EXPECT_FALSE(is_word_char(U'-'));
}

TEST(Unicode, CanonicalDecomposition) {
  char32_t out[4];
  ASSERT_EQ(canonical_decompose(U'\u00E9', out), 2);
  EXPECT_EQ(out[0], U'e');
  EXPECT_EQ(out[1], U'\u0301');
  ASSERT_EQ(canonical_decompose(U'\uAC00', out), 2);  // Hangul syllable GA
  EXPECT_EQ(out[0], U'\u1100');
  ASSERT_EQ(canonical_decompose(U'\uFB01', out), 1);  // ﬁ: compatibility only
  EXPECT_EQ(combining_class(U'\u0301'), 230);
  EXPECT_EQ(combining_class(U'a'), 0);
}

TEST(Unicode, LowercaseIsRustToLowercase) {
  std::string out;
  for (char32_t c : {U'A', U'\u00C9', U'\u0130', U'\u03A3', U'\u1E9E', U'\u01C5'})
    append_lowercase(out, c);
  EXPECT_EQ(out, "a\u00E9i\u0307\u03C3\u00DF\u01C6");
}

TEST(Unicode, ExtendedGraphemeClusters) {
  auto clusters = [](std::string_view text) {
    std::vector<std::string_view> out;
    for (size_t pos = 0; pos < text.size();) {
      size_t end = grapheme_end(text, pos);
      out.push_back(text.substr(pos, end - pos));
      pos = end;
    }
    return out;
  };
  EXPECT_EQ(clusters("ab"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(clusters("\r\nx"), (std::vector<std::string_view>{"\r\n", "x"}));
  EXPECT_EQ(clusters("e\u0301x"), (std::vector<std::string_view>{"e\u0301", "x"}));
  // ZWJ family, a flag pair and half-width katakana with its semi-voiced mark.
  EXPECT_EQ(clusters("\U0001F468\u200D\U0001F469!").size(), 2u);
  EXPECT_EQ(clusters("\U0001F1FA\U0001F1F8\U0001F1EF\U0001F1F5").size(), 2u);
  EXPECT_EQ(clusters("\uFF8A\uFF9F").size(), 1u);
}

}  // namespace
}  // namespace embed::tokenizer
