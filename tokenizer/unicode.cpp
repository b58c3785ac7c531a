#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include "tokenizer/utf8.h"

namespace embed::tokenizer {

const char* unicode_version() {
  return utf8proc_unicode_version();
}

int general_category(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

bool is_whitespace_slow(char32_t c) {
  // White_Space = the Z* separators plus the C0 controls TAB..CR and NEL (PropList.txt); the
  // controls are not derivable from the general category.
  if (c == 0x85 || (c >= 0x09 && c <= 0x0D)) return true;
  int cat = general_category(c);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

bool is_other(char32_t c) {
  int cat = general_category(c);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CS;
}

bool is_punctuation(char32_t c) {
  int cat = general_category(c);
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool is_mark_nonspacing(char32_t c) {
  return general_category(c) == UTF8PROC_CATEGORY_MN;
}

bool is_word_char(char32_t c) {
  if (c == 0x200C || c == 0x200D) return true;
  int cat = general_category(c);
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ND) ||
         cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_PC;
}

int combining_class(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

int canonical_decompose(char32_t c, char32_t* out) {
  utf8proc_int32_t buf[4];
  int boundclass = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 4,
                                               UTF8PROC_DECOMPOSE, &boundclass);
  if (n < 1 || n > 4) {  // cannot happen for canonical decompositions; keep the character
    out[0] = c;
    return 1;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) out[i] = static_cast<char32_t>(buf[i]);
  return static_cast<int>(n);
}

void append_lowercase(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    return;
  }
  // U+0130 is the only unconditional multi-character lowercase mapping in SpecialCasing.txt;
  // utf8proc only carries the simple (one-to-one) mappings.
  if (c == 0x130) {
    out.append("i\xCC\x87");
    return;
  }
  append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
}

size_t grapheme_end(std::string_view text, size_t pos) {
  size_t next = pos;
  char32_t prev = decode_utf8(text, next);
  utf8proc_int32_t state = 0;
  while (next < text.size()) {
    size_t after = next;
    char32_t c = decode_utf8(text, after);
    if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                         static_cast<utf8proc_int32_t>(c), &state))
      break;
    prev = c;
    next = after;
  }
  return next;
}

}  // namespace embed::tokenizer
