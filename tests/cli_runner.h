#pragma once
// Runs the engram-bench binary the way a user does, for the tests of its verbs.

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>

namespace engram::testing {

// (exit code, what the command printed: stdout, and stderr too unless with_stderr is false).
inline std::pair<int, std::string> run_engram_bench(const std::string& arguments, bool with_stderr = true) {
  const std::string command = std::string(ENGRAM_BENCH_BINARY) + " " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace engram::testing
