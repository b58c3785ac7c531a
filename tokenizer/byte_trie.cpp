#include "tokenizer/byte_trie.h"

#include <algorithm>
#include <numeric>

namespace embed::tokenizer {

ByteTrie::ByteTrie(const std::vector<std::string>& keys, const std::vector<int32_t>& values) {
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable sort by bytes so that, among equal keys, the last one given ends up last.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::string_view(keys[a]) < std::string_view(keys[b]);
  });
  std::vector<Key> sorted;
  sorted.reserve(keys.size());
  for (size_t i : order) {
    if (keys[i].empty()) continue;
    if (!sorted.empty() && sorted.back().bytes == keys[i])
      sorted.back().value = values[i];
    else
      sorted.push_back({keys[i], values[i]});
  }
  units_.resize(256 + 1);
  units_[0].check = 0;  // the root occupies slot 0
  place(0, sorted, 0, sorted.size(), 0);
  while (!units_.empty() && units_.back().check < 0) units_.pop_back();
}

void ByteTrie::place(uint32_t node, const std::vector<Key>& keys, size_t lo, size_t hi,
                     size_t depth) {
  // Keys in [lo, hi) share their first `depth` bytes; sorted order puts the one ending here first.
  if (lo < hi && keys[lo].bytes.size() == depth) {
    units_[node].value = keys[lo].value;
    ++lo;
  }
  if (lo == hi) return;
  unsigned char labels[256];
  size_t starts[257];
  size_t count = 0;
  for (size_t i = lo; i < hi; ++i) {
    auto c = static_cast<unsigned char>(keys[i].bytes[depth]);
    if (count == 0 || labels[count - 1] != c) {
      labels[count] = c;
      starts[count] = i;
      ++count;
    }
  }
  starts[count] = hi;
  uint32_t base = find_base(labels, count);
  units_[node].base = static_cast<int32_t>(base);
  for (size_t k = 0; k < count; ++k) units_[base + labels[k]].check = static_cast<int32_t>(node);
  for (size_t k = 0; k < count; ++k)
    place(base + labels[k], keys, starts[k], starts[k + 1], depth + 1);
}

uint32_t ByteTrie::find_base(const unsigned char* labels, size_t count) {
  size_t pos = std::max<size_t>(next_check_pos_, size_t{labels[0]} + 1);
  size_t occupied = 0;
  bool first_free = true;
  for (;; ++pos) {
    if (pos + 256 >= units_.size()) units_.resize(std::max(units_.size() * 2, pos + 257));
    if (units_[pos].check >= 0) {
      ++occupied;
      continue;
    }
    if (first_free) {
      next_check_pos_ = pos;
      first_free = false;
    }
    size_t base = pos - labels[0];
    bool fits = true;
    for (size_t k = 1; k < count && fits; ++k) fits = units_[base + labels[k]].check < 0;
    if (!fits) continue;
    // Skip over densely packed regions on later searches (the darts heuristic).
    if (occupied * 20 >= (pos - next_check_pos_ + 1) * 19) next_check_pos_ = pos;
    return static_cast<uint32_t>(base);
  }
}

int32_t ByteTrie::find(std::string_view key) const {
  int32_t found = -1;
  for_each_prefix(key, [&](size_t length, int32_t value) {
    if (length == key.size()) found = value;
  });
  return found;
}

}  // namespace embed::tokenizer
