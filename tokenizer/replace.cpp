#include "tokenizer/replace.h"

#include <cstring>
#include <stdexcept>

#include "tokenizer/utf8.h"

namespace embed::tokenizer {
namespace {

bool is_regex_meta(char c) {
  return std::strchr("\\.+*?()|[]{}^$", c) != nullptr;
}

size_t parse_count(const std::string& text, size_t& pos) {
  size_t begin = pos;
  size_t value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
    value = value * 10 + (text[pos++] - '0');
  if (pos == begin) throw std::runtime_error("bad repetition count");
  return value;
}

}  // namespace

Replace::Replace(const std::string& pattern, bool is_regex, std::string content)
    : content_(std::move(content)) {
  if (!is_regex) {
    if (pattern.empty()) throw std::runtime_error("Replace: empty pattern");
    literal_ = pattern;
    return;
  }
  auto unsupported = [&] {
    return std::runtime_error("Replace: unsupported regex '" + pattern +
                              "' (supported: a literal, or one character with {m,}, {m,n}, "
                              "{m} or +)");
  };
  // A regex without metacharacters is a literal.
  bool plain = !pattern.empty();
  for (char c : pattern) plain = plain && !is_regex_meta(c);
  if (plain) {
    literal_ = pattern;
    return;
  }
  size_t pos = 0;
  if (pattern.empty()) throw unsupported();
  if (pattern[0] == '\\') {
    if (pattern.size() < 2 || !is_regex_meta(pattern[1])) throw unsupported();
    literal_ = pattern.substr(1, 1);
    pos = 2;
  } else {
    if (is_regex_meta(pattern[0])) throw unsupported();
    pos = utf8_length(static_cast<unsigned char>(pattern[0]));
    literal_ = pattern.substr(0, pos);
  }
  try {
    if (pos < pattern.size() && pattern[pos] == '+' && pos + 1 == pattern.size()) {
      min_repeat_ = 1;
    } else if (pos < pattern.size() && pattern[pos] == '{') {
      ++pos;
      min_repeat_ = parse_count(pattern, pos);
      if (pos < pattern.size() && pattern[pos] == '}') {
        max_repeat_ = min_repeat_;
      } else if (pos < pattern.size() && pattern[pos] == ',') {
        ++pos;
        if (pos < pattern.size() && pattern[pos] != '}') max_repeat_ = parse_count(pattern, pos);
      }
      if (pos + 1 != pattern.size() || pattern[pos] != '}') throw unsupported();
    } else {
      throw unsupported();
    }
  } catch (const std::runtime_error&) {
    throw unsupported();
  }
  if (min_repeat_ == 0 || (max_repeat_ != 0 && max_repeat_ < min_repeat_)) throw unsupported();
}

void Replace::normalize(std::string_view in, std::string& out) const {
  out.clear();
  out.reserve(in.size());
  const std::string_view lit = literal_;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t found = in.find(lit, pos);
    if (found == std::string_view::npos) break;
    if (min_repeat_ == 0) {
      out.append(in.substr(pos, found - pos));
      out.append(content_);
      pos = found + lit.size();
      continue;
    }
    // Greedy run of the repeated character, cut into matches of at most max_repeat_.
    size_t run = 0;
    while (found + (run + 1) * lit.size() <= in.size() &&
           in.compare(found + run * lit.size(), lit.size(), lit) == 0)
      ++run;
    out.append(in.substr(pos, found - pos));
    size_t cursor = found;
    while (run >= min_repeat_) {
      size_t take = max_repeat_ == 0 ? run : std::min(run, max_repeat_);
      out.append(content_);
      cursor += take * lit.size();
      run -= take;
    }
    out.append(in.substr(cursor, run * lit.size()));
    pos = cursor + run * lit.size();
  }
  out.append(in.substr(pos));
}

}  // namespace embed::tokenizer
