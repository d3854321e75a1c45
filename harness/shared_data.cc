#include "harness/shared_data.h"

#include <unistd.h>

#include <cstdlib>

namespace engram::harness {

std::filesystem::path shared_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("ENGRAM_SHARED"); env && *env) return env;
  const fs::path from_cwd = fs::current_path().parent_path() / "shared";
  if (fs::exists(from_cwd)) return from_cwd;
  // build/harness/engram-bench -> <project>/../shared
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n > 0) {
    fs::path dir = fs::path(std::string(buffer, static_cast<std::size_t>(n))).parent_path();
    for (int up = 0; up < 4 && dir.has_parent_path(); ++up, dir = dir.parent_path()) {
      if (fs::exists(dir / "CMakeLists.txt") && fs::exists(dir.parent_path() / "shared")) return dir.parent_path() / "shared";
    }
  }
  return from_cwd;
}

}  // namespace engram::harness
