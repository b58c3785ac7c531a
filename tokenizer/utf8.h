#pragma once
// UTF-8 decoding/encoding helpers shared by every tokenizer stage. Input text is validated once at
// the pipeline entry; afterwards the stages decode without re-checking.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace embed::tokenizer {

// Byte offset of the first invalid UTF-8 sequence in `text` (overlongs, surrogates and values past
// U+10FFFF are invalid), or std::string_view::npos when the whole text is valid.
size_t find_invalid_utf8(std::string_view text);

// Length in bytes of the sequence starting with lead byte `lead` (valid input assumed).
inline size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Decodes the code point at `text[pos]` of valid UTF-8 and advances `pos` past it.
inline char32_t decode_utf8(std::string_view text, size_t& pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  unsigned char b0 = p[0];
  if (b0 < 0x80) {
    pos += 1;
    return b0;
  }
  if (b0 < 0xE0) {
    pos += 2;
    return (char32_t(b0 & 0x1F) << 6) | (p[1] & 0x3F);
  }
  if (b0 < 0xF0) {
    pos += 3;
    return (char32_t(b0 & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  }
  pos += 4;
  return (char32_t(b0 & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) |
         (char32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

// Appends the UTF-8 encoding of `c` to `out`.
inline void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    char buf[2] = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    out.append(buf, 2);
  } else if (c < 0x10000) {
    char buf[3] = {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                   static_cast<char>(0x80 | (c & 0x3F))};
    out.append(buf, 3);
  } else {
    char buf[4] = {
        static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
        static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
    out.append(buf, 4);
  }
}

// Number of code points in valid UTF-8 `text`.
size_t count_code_points(std::string_view text);

}  // namespace embed::tokenizer
