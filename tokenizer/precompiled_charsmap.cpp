#include "tokenizer/precompiled_charsmap.h"

#include <cstring>
#include <stdexcept>

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace embed::tokenizer {
namespace {

// Darts-clone unit accessors (sentencepiece's Darts::DoubleArray).
inline bool has_leaf(uint32_t unit) {
  return (unit >> 8) & 1;
}
inline uint32_t value(uint32_t unit) {
  return unit & ((1u << 31) - 1);
}
inline uint32_t label(uint32_t unit) {
  return unit & ((1u << 31) | 0xFF);
}
inline uint32_t offset(uint32_t unit) {
  return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}

}  // namespace

PrecompiledCharsmap::PrecompiledCharsmap(const std::vector<uint8_t>& blob) {
  if (blob.size() < 4) throw std::runtime_error("precompiled_charsmap: shorter than its header");
  uint32_t trie_bytes = uint32_t(blob[0]) | uint32_t(blob[1]) << 8 | uint32_t(blob[2]) << 16 |
                        uint32_t(blob[3]) << 24;
  if (trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4 || trie_bytes == 0)
    throw std::runtime_error("precompiled_charsmap: bad trie size " + std::to_string(trie_bytes));
  units_.resize(trie_bytes / 4);
  for (size_t i = 0; i < units_.size(); ++i) {
    const uint8_t* p = blob.data() + 4 + 4 * i;
    units_[i] = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  }
  replacements_.assign(reinterpret_cast<const char*>(blob.data()) + 4 + trie_bytes,
                       blob.size() - 4 - trie_bytes);
  if (find_invalid_utf8(replacements_) != std::string_view::npos)
    throw std::runtime_error("precompiled_charsmap: replacement strings are not valid UTF-8");
  for (int c = 0; c < 128; ++c) {
    char ch = static_cast<char>(c);
    std::string_view replacement;
    ascii_[c] = transform(std::string_view(&ch, 1), replacement)
                    ? static_cast<int32_t>(replacement.data() - replacements_.data())
                    : -1;
  }
}

bool PrecompiledCharsmap::transform(std::string_view chunk, std::string_view& replacement) const {
  const size_t size = units_.size();
  size_t node = offset(units_[0]);
  for (char ch : chunk) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) return false;
    node ^= c;
    if (node >= size) return false;
    uint32_t unit = units_[node];
    if (label(unit) != c) return false;
    node ^= offset(unit);
    if (node >= size) return false;
    if (has_leaf(unit)) {
      size_t begin = value(units_[node]);
      if (begin > replacements_.size()) return false;
      size_t end = replacements_.find('\0', begin);
      if (end == std::string::npos) end = replacements_.size();
      replacement = std::string_view(replacements_).substr(begin, end - begin);
      return true;
    }
  }
  return false;
}

void PrecompiledCharsmap::normalize(std::string_view in, std::string& out) const {
  out.clear();
  out.reserve(in.size() + in.size() / 4);
  const size_t n = in.size();
  size_t pos = 0;
  std::string_view replacement;
  while (pos < n) {
    auto b = static_cast<unsigned char>(in[pos]);
    // An ASCII character followed by ASCII (other than CR LF) is a cluster of its own.
    if (b < 0x80 && (pos + 1 == n || (static_cast<unsigned char>(in[pos + 1]) < 0x80 &&
                                      !(b == '\r' && in[pos + 1] == '\n')))) {
      if (ascii_[b] < 0)
        out.push_back(static_cast<char>(b));
      else
        out.append(replacements_.c_str() + ascii_[b]);
      ++pos;
      continue;
    }
    size_t end = grapheme_end(in, pos);
    size_t first_char_end = pos + utf8_length(b);
    if (end - pos < 6 && end != first_char_end &&
        transform(in.substr(pos, end - pos), replacement)) {
      out.append(replacement);
      pos = end;
      continue;
    }
    while (pos < end) {
      size_t len = utf8_length(static_cast<unsigned char>(in[pos]));
      if (transform(in.substr(pos, len), replacement))
        out.append(replacement);
      else
        out.append(in.substr(pos, len));
      pos += len;
    }
  }
}

}  // namespace embed::tokenizer
