#pragma once
// Runs the built `embed` CLI as a subprocess and captures its exit code, stdout and stderr.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/test_support.h"

namespace embed::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// `args` are passed to the CLI; `stdin_path` (optional) is redirected to its standard input.
inline CommandResult run_cli(const std::vector<std::string>& args,
                             const std::string& stdin_path = "") {
  static int counter = 0;
  const auto err_path =
      std::filesystem::temp_directory_path() /
      ("embed_cli_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::string command = shell_quote(EMBED_CLI_PATH);
  for (const auto& arg : args) command += " " + shell_quote(arg);
  if (!stdin_path.empty()) command += " < " + shell_quote(stdin_path);
  command += " 2> " + shell_quote(err_path.string());

  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = read_text_file(err_path);
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace embed::test
