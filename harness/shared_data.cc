#include "harness/shared_data.h"

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace engram::harness {

namespace {

namespace fs = std::filesystem;

bool is_project(const fs::path& dir) { return fs::exists(dir / "CMakeLists.txt") && fs::exists(dir / "harness"); }

std::optional<fs::path> executable_project() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return std::nullopt;
  fs::path dir = fs::path(std::string(buffer, static_cast<std::size_t>(n))).parent_path();
  for (int up = 0; up < 4 && dir.has_parent_path(); ++up, dir = dir.parent_path()) {
    if (is_project(dir)) return dir;
  }
  return std::nullopt;
}

}  // namespace

std::filesystem::path project_dir() {
  if (is_project(fs::current_path())) return fs::current_path();
  return executable_project().value_or(fs::current_path());
}

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("ENGRAM_SHARED"); env && *env) return env;
  const fs::path from_cwd = fs::current_path().parent_path() / "shared";
  if (fs::exists(from_cwd)) return from_cwd;
  // build/harness/engram-bench -> <project>/../shared
  if (const auto project = executable_project(); project && fs::exists(project->parent_path() / "shared")) {
    return project->parent_path() / "shared";
  }
  return from_cwd;
}

}  // namespace engram::harness
