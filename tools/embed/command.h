#pragma once
// Each `embed` subcommand lives in its own file and registers itself on the app here.
#include <CLI/CLI.hpp>

namespace embed::cli {

void add_encode_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_quantize_command(CLI::App& app);
void add_bench_command(CLI::App& app);

}  // namespace embed::cli
