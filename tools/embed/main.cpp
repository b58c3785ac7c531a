// `embed`: command-line front end of embed.cpp. Exit codes: 0 success, 1 runtime error (bad model,
// bad input, I/O), 2 usage error. Every error is one line on stderr.
#include <cstdio>
#include <exception>

#include "tools/embed/command.h"

int main(int argc, char** argv) {
  CLI::App app{"embed.cpp: text embeddings (BERT, XLM-RoBERTa, BGE-M3) on the CPU"};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success; 1 error (bad model folder, bad input, I/O), with one line on "
      "stderr; 2 usage error.\nRun `embed SUBCOMMAND --help` for each subcommand's options.");
  embed::cli::add_encode_command(app);
  embed::cli::add_tokenize_command(app);
  embed::cli::add_score_command(app);
  embed::cli::add_info_command(app);
  embed::cli::add_quantize_command(app);
  embed::cli::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help or the usage problem; any usage problem exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
