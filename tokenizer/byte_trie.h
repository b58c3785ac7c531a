#pragma once
// A static double-array trie over byte strings (the structure sentencepiece and darts use): one
// array lookup per input byte for the common-prefix searches of Unigram and WordPiece.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embed::tokenizer {

class ByteTrie {
 public:
  ByteTrie() = default;
  // Keys map to their values; when a key repeats, the later value wins (as a hash map insert
  // would). Values must be >= 0. Empty keys are ignored.
  ByteTrie(const std::vector<std::string>& keys, const std::vector<int32_t>& values);

  // Calls visit(length, value) for every key that is a prefix of `text`, shortest first.
  template <class Visit>
  void for_each_prefix(std::string_view text, Visit&& visit) const {
    if (units_.empty()) return;
    uint32_t node = 0;
    const size_t size = units_.size();
    for (size_t i = 0; i < text.size(); ++i) {
      uint32_t next = units_[node].base + static_cast<unsigned char>(text[i]);
      if (next >= size || units_[next].check != static_cast<int32_t>(node)) return;
      node = next;
      if (units_[node].value >= 0) visit(i + 1, units_[node].value);
    }
  }

  // Value of `key` itself, or -1.
  int32_t find(std::string_view key) const;

 private:
  struct Unit {
    int32_t base = 0;
    int32_t check = -1;  // parent index; -1 = free slot
    int32_t value = -1;
  };
  struct Key {
    std::string_view bytes;
    int32_t value;
  };
  void place(uint32_t node, const std::vector<Key>& keys, size_t lo, size_t hi, size_t depth);
  uint32_t find_base(const unsigned char* labels, size_t count);

  std::vector<Unit> units_;
  size_t next_check_pos_ = 1;
};

}  // namespace embed::tokenizer
