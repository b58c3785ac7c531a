// `embed`: command-line front end of embed.cpp. Exit codes: 0 success, 1 runtime error (bad model,
// bad input, I/O), 2 usage error. Every error is one line on stderr.
#include <cstdio>
#include <exception>

#include "tools/embed/command.h"

int main(int argc, char** argv) {
  CLI::App app{"embed.cpp: text embeddings (BERT, XLM-RoBERTa, BGE-M3) on the CPU"};
  app.require_subcommand(1);
  embed::cli::add_encode_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
