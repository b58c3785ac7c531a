#pragma once
// Unicode character properties, from utf8proc (Debian's libutf8proc, Unicode 15.0). These are the
// Rust `char` predicates the Hugging Face tokenizers use, with ASCII answered inline.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace embed::tokenizer {

// The Unicode version of the character data, e.g. "15.0.0".
const char* unicode_version();

// General category, as utf8proc's UTF8PROC_CATEGORY_* number.
int general_category(char32_t c);

// Rust `char::is_whitespace`: the White_Space property.
bool is_whitespace_slow(char32_t c);
inline bool is_whitespace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return is_whitespace_slow(c);
}

// Category C* (Cc, Cf, Cn, Co, Cs): the `is_other` of HF's BertNormalizer.
bool is_other(char32_t c);
// Category P*.
bool is_punctuation(char32_t c);
// Category Mn.
bool is_mark_nonspacing(char32_t c);
// Regex `\w` (Unicode): letters, marks, decimal digits, connector punctuation, letter numbers and
// the joiners U+200C/U+200D.
bool is_word_char(char32_t c);

// Canonical combining class (0 for starters).
int combining_class(char32_t c);
// Full canonical decomposition of one code point (no reordering); returns the count written to
// `out`, which must hold 4 code points.
int canonical_decompose(char32_t c, char32_t* out);

// Appends Rust's `char::to_lowercase(c)` (full mapping, no context) as UTF-8.
void append_lowercase(std::string& out, char32_t c);

// End (byte offset) of the extended grapheme cluster starting at `pos` in valid UTF-8 `text`.
size_t grapheme_end(std::string_view text, size_t pos);

}  // namespace embed::tokenizer
