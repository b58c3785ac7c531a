#pragma once
// HF `TemplateProcessing` post-processor (BertProcessing and RobertaProcessing are templates too):
// wraps the model tokens of one or two sequences in special tokens and sets type ids. Also HF's
// truncation, which runs before it and keeps room for the special tokens.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/encoding.h"

namespace embed::tokenizer {

struct TemplatePiece {
  int sequence = -1;         // 0 = $A, 1 = $B, -1 = special token
  std::vector<int32_t> ids;  // special token only
  std::vector<std::string> tokens;
  int32_t type_id = 0;
};

class TemplateProcessing {
 public:
  // Without templates nothing is added.
  TemplateProcessing();
  // Throws std::runtime_error if `single` lacks $A or `pair` lacks $A or $B.
  TemplateProcessing(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair);

  size_t added_tokens(bool pair) const { return pair ? added_pair_ : added_single_; }
  // Builds the final encoding from the model output of A (and B when `b` is non-null).
  Encoding apply(const Encoding& a, const Encoding* b) const;

 private:
  std::vector<TemplatePiece> single_;
  std::vector<TemplatePiece> pair_;
  size_t added_single_ = 0;
  size_t added_pair_ = 0;
};

// HF truncation, direction right, no stride: one sequence is cut to `max_length`; a pair is cut
// `longest_first` (the longer one first, then both to about half).
void truncate(Encoding& a, Encoding* b, size_t max_length);

}  // namespace embed::tokenizer
