#include "tokenizer/bert_normalizer.h"

#include <algorithm>

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace embed::tokenizer {

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

namespace {

// Canonical ordering of a decomposed run: stable sort of each maximal stretch of non-starters by
// combining class (the last step of NFD).
void canonical_order(char32_t* cps, int* classes, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (classes[i] == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && classes[j] != 0) ++j;
    // Insertion sort keeps equal classes in order.
    for (size_t a = i + 1; a < j; ++a) {
      char32_t cp = cps[a];
      int cls = classes[a];
      size_t b = a;
      while (b > i && classes[b - 1] > cls) {
        cps[b] = cps[b - 1];
        classes[b] = classes[b - 1];
        --b;
      }
      cps[b] = cp;
      classes[b] = cls;
    }
    i = j;
  }
}

}  // namespace

void BertNormalizer::normalize(std::string_view in, std::string& out) const {
  out.clear();
  out.reserve(in.size() + in.size() / 8);
  const Options& o = options_;
  // Non-ASCII characters go through a small code point buffer so a run of combining marks can be
  // canonically ordered before marks are dropped.
  char32_t pending[64];
  int classes[64];
  size_t npending = 0;
  auto emit = [&](char32_t c) {
    if (o.strip_accents && is_mark_nonspacing(c)) return;
    if (o.lowercase)
      append_lowercase(out, c);
    else
      append_utf8(out, c);
  };
  auto flush = [&] {
    if (npending > 1) canonical_order(pending, classes, npending);
    for (size_t i = 0; i < npending; ++i) emit(pending[i]);
    npending = 0;
  };
  size_t pos = 0;
  while (pos < in.size()) {
    auto b = static_cast<unsigned char>(in[pos]);
    if (b < 0x80) {
      flush();
      ++pos;
      char c = static_cast<char>(b);
      if (o.clean_text) {
        if (b == 0 || (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7F) continue;
        if (b == '\t' || b == '\n' || b == '\r') c = ' ';
      }
      if (o.lowercase && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      out.push_back(c);
      continue;
    }
    char32_t c = decode_utf8(in, pos);
    if (o.clean_text) {
      if (c == 0xFFFD || is_other(c)) continue;
      if (is_whitespace(c)) c = ' ';
    }
    bool chinese = o.handle_chinese_chars && is_chinese_char(c);
    if (chinese) {
      flush();
      out.push_back(' ');
    }
    if (o.strip_accents) {
      char32_t parts[4];
      int count = canonical_decompose(c, parts);
      if (npending + count > 64) flush();
      for (int k = 0; k < count; ++k) {
        pending[npending] = parts[k];
        classes[npending] = combining_class(parts[k]);
        ++npending;
      }
    } else {
      emit(c);
    }
    if (chinese) {
      flush();
      out.push_back(' ');
    }
  }
  flush();
}

}  // namespace embed::tokenizer
