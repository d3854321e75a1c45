#pragma once
// Runs the project's programs (engram-bench, humaneval-exec) the way a user does, for the tests of
// their verbs.

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>

namespace engram::testing {

// (exit code, what the command printed: stdout, and stderr too unless with_stderr is false), with
// `environment` ("NAME=value ...", may be empty) added to the command's environment. A command
// killed by a signal gives its shell's 128 + signal, or -1.
inline std::pair<int, std::string> run_program_with_env(const std::string& environment, const std::string& program,
                                                        const std::string& arguments, bool with_stderr = true) {
  const std::string command = (environment.empty() ? "" : "env " + environment + " ") + program + " " + arguments +
                              (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

#ifdef ENGRAM_BENCH_BINARY
inline std::pair<int, std::string> run_engram_bench_with_env(const std::string& environment, const std::string& arguments,
                                                             bool with_stderr = true) {
  return run_program_with_env(environment, ENGRAM_BENCH_BINARY, arguments, with_stderr);
}

// The same without extra environment.
inline std::pair<int, std::string> run_engram_bench(const std::string& arguments, bool with_stderr = true) {
  return run_engram_bench_with_env("", arguments, with_stderr);
}
#endif

}  // namespace engram::testing
