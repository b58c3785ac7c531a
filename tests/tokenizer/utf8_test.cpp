#include "tokenizer/utf8.h"

#include <gtest/gtest.h>

namespace embed::tokenizer {
namespace {

TEST(Utf8, FindsFirstInvalidSequence) {
  EXPECT_EQ(find_invalid_utf8(""), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xC3"), 2u);            // truncated
  EXPECT_EQ(find_invalid_utf8("a\xC0\xAF"), 1u);         // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ok\x80"), 2u);            // stray continuation
  EXPECT_EQ(find_invalid_utf8("\xC3\x28"), 0u);          // bad continuation
}

TEST(Utf8, DecodeEncodeRoundTrip) {
  for (char32_t c : {U'\0', U'A', U'\u00E9', U'\u2581', U'\U0001F600', U'\U0010FFFF'}) {
    std::string s;
    append_utf8(s, c);
    size_t pos = 0;
    EXPECT_EQ(decode_utf8(s, pos), c);
    EXPECT_EQ(pos, s.size());
    EXPECT_EQ(utf8_length(static_cast<unsigned char>(s[0])), s.size());
  }
  EXPECT_EQ(count_code_points("a\xC3\xA9\xF0\x9F\x98\x80"), 3u);
}

}  // namespace
}  // namespace embed::tokenizer
