#pragma once
// HF `Strip` normalizer: removes leading and/or trailing whitespace (Rust `char::is_whitespace`).
#include "tokenizer/normalizer.h"

namespace embed::tokenizer {

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string_view in, std::string& out) const override;

 private:
  bool left_;
  bool right_;
};

}  // namespace embed::tokenizer
