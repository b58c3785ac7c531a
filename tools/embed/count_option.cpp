#include "tools/embed/count_option.h"

#include <charconv>
#include <string>

namespace embed::cli {

const CLI::Validator kPositiveCount(
    [](std::string& text) -> std::string {
      unsigned long long value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size() || value == 0)
        return "expected a whole number of at least 1, got '" + text + "'";
      return {};
    },
    "POSITIVE");

}  // namespace embed::cli
