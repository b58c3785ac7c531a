#include "tokenizer/byte_trie.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace embed::tokenizer {
namespace {

std::vector<std::pair<size_t, int32_t>> prefixes(const ByteTrie& trie, std::string_view text) {
  std::vector<std::pair<size_t, int32_t>> out;
  trie.for_each_prefix(text,
                       [&](size_t length, int32_t value) { out.emplace_back(length, value); });
  return out;
}

TEST(ByteTrie, CommonPrefixSearchShortestFirst) {
  ByteTrie trie({"a", "ab", "abc", "b", "\xE2\x96\x81"}, {0, 1, 2, 3, 4});
  EXPECT_EQ(prefixes(trie, "abcd"),
            (std::vector<std::pair<size_t, int32_t>>{{1, 0}, {2, 1}, {3, 2}}));
  EXPECT_EQ(prefixes(trie, "\xE2\x96\x81x"), (std::vector<std::pair<size_t, int32_t>>{{3, 4}}));
  EXPECT_TRUE(prefixes(trie, "xa").empty());
  EXPECT_EQ(trie.find("ab"), 1);
  EXPECT_EQ(trie.find("abcd"), -1);
  EXPECT_EQ(trie.find(""), -1);
}

TEST(ByteTrie, RepeatedKeyKeepsTheLastValue) {
  ByteTrie trie({"x", "y", "x"}, {0, 1, 2});
  EXPECT_EQ(trie.find("x"), 2);
  EXPECT_EQ(trie.find("y"), 1);
}

TEST(ByteTrie, ManyRandomKeys) {
  std::mt19937 rng(7);
  std::vector<std::string> keys;
  std::vector<int32_t> values;
  for (int i = 0; i < 20000; ++i) {
    std::string key;
    for (int n = 1 + rng() % 8; n > 0; --n) key.push_back(static_cast<char>(1 + rng() % 255));
    keys.push_back(key);
    values.push_back(i);
  }
  ByteTrie trie(keys, values);
  std::map<std::string, int32_t> expected;
  for (size_t i = 0; i < keys.size(); ++i) expected[keys[i]] = values[i];
  for (const auto& [key, value] : expected) EXPECT_EQ(trie.find(key), value);
  EXPECT_EQ(trie.find(std::string(9, 'q')), -1);
}

}  // namespace
}  // namespace embed::tokenizer
