#pragma once
// The result of tokenizing one input (or one pair of inputs).
#include <cstdint>
#include <string>
#include <vector>

namespace embed {

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;  // the token strings HF returns (an <unk> keeps its text span)
  std::vector<int32_t> type_ids;
};

}  // namespace embed
