// Loads a model through the installed C++ API, encodes one text, prints the vector size.
#include <cstdio>
#include <exception>

#include "engine/embed.h"
#include "engine/model.h"
#include "engine/model_path.h"
#include "engine/scores.h"

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: consumer_cpp MODEL\n"), 2;
  try {
    const embed::Model model = embed::Model::load(embed::resolve_model_path(argv[1]).string());
    const std::vector<std::string> texts{"hello world"};
    const auto out = model.encode(texts);
    std::printf("dim %zu self-score %.3f\n", out[0].dense.size(),
                embed::dense_score(out[0].dense, out[0].dense));
  } catch (const std::exception& e) {
    return std::fprintf(stderr, "%s\n", e.what()), 1;
  }
}
