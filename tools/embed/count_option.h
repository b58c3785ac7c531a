#pragma once
// The check on the CLI's count options (threads, runs, batch, lengths, token budgets).
#include <CLI/CLI.hpp>

namespace embed::cli {

// A whole number of at least 1. CLI11's PositiveNumber reported 0 as "not in range 0.000000 to"
// DBL_MAX written out in 309 digits.
extern const CLI::Validator kPositiveCount;

}  // namespace embed::cli
