#include "tokenizer/strip.h"

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace embed::tokenizer {

void Strip::normalize(std::string_view in, std::string& out) const {
  size_t begin = 0;
  size_t end = in.size();
  if (left_) {
    while (begin < end) {
      size_t next = begin;
      if (!is_whitespace(decode_utf8(in, next))) break;
      begin = next;
    }
  }
  if (right_) {
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(in[start]) & 0xC0) == 0x80) --start;
      size_t pos = start;
      if (!is_whitespace(decode_utf8(in, pos))) break;
      end = start;
    }
  }
  out.assign(in.substr(begin, end - begin));
}

}  // namespace embed::tokenizer
