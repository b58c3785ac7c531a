#include "tools/embed/output_list.h"

#include <sstream>
#include <stdexcept>

namespace embed::cli {

void set_outputs(const std::string& list, const ModelInfo& info, EncodeOptions& options) {
  options.dense = options.sparse = options.colbert = options.tokens = false;
  std::stringstream outputs(list);
  for (std::string output; std::getline(outputs, output, ',');) {
    if (output == "dense") {
      options.dense = true;
    } else if (output == "sparse") {
      options.sparse = true;
    } else if (output == "colbert") {
      options.colbert = true;
    } else if (output == "tokens") {
      options.tokens = true;
    } else {
      throw std::runtime_error("--output: unknown output '" + output +
                               "' (expected dense, sparse, colbert or tokens)");
    }
  }
  if (!options.dense && !options.sparse && !options.colbert && !options.tokens)
    throw std::runtime_error(
        "--output: no output named (expected dense, sparse, colbert or tokens)");
  if (options.sparse && !info.has_sparse)
    throw std::runtime_error("--output sparse: " + info.path.string() +
                             " has no sparse_linear head");
  if (options.colbert && !info.has_colbert)
    throw std::runtime_error("--output colbert: " + info.path.string() +
                             " has no colbert_linear head");
}

}  // namespace embed::cli
