#pragma once
// The error for one bad input of an encode call; carries the input's index so callers (the CLI)
// can name the line or argument it came from.
#include <stdexcept>
#include <string>

namespace embed {

class InputError : public std::runtime_error {
 public:
  InputError(size_t index, const std::string& problem)
      : std::runtime_error("input " + std::to_string(index) + ": " + problem),
        index_(index),
        problem_(problem) {}

  size_t index() const { return index_; }
  const std::string& problem() const { return problem_; }

 private:
  size_t index_;
  std::string problem_;
};

}  // namespace embed
