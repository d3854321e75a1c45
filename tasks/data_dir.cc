#include "tasks/data_dir.h"

#include <cstdlib>

#include "tasks/data_error.h"

namespace engram::tasks {

std::filesystem::path resolve_data_dir(const std::optional<std::filesystem::path>& explicit_dir) {
  if (explicit_dir && !explicit_dir->empty()) return *explicit_dir;
  if (const char* env = std::getenv("ENGRAM_DATA"); env && *env) return env;
  if (const char* env = std::getenv("ENGRAM_SHARED"); env && *env) return std::filesystem::path(env) / "datasets";
  const std::filesystem::path shared = std::filesystem::path("..") / "shared" / "datasets";
  std::error_code ec;
  if (!std::filesystem::is_directory(shared, ec)) {
    const std::filesystem::path cache = data_cache_dir();
    if (std::filesystem::is_directory(cache, ec)) return cache;
  }
  return shared;
}

std::filesystem::path data_cache_dir() {
  if (const char* env = std::getenv("XDG_CACHE_HOME"); env && *env) {
    return std::filesystem::path(env) / "engram-bench" / "data";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "engram-bench" / "data";
  }
  return std::filesystem::path(".cache") / "engram-bench" / "data";
}

std::filesystem::path resolve_fetch_dir(const std::optional<std::filesystem::path>& explicit_dir) {
  if (explicit_dir && !explicit_dir->empty()) return *explicit_dir;
  if (const char* env = std::getenv("ENGRAM_DATA"); env && *env) return env;
  return data_cache_dir();
}

void require_files(const std::string& benchmark, const std::filesystem::path& data_dir,
                   const std::vector<std::filesystem::path>& files, const std::string& how_to_get) {
  std::vector<std::filesystem::path> missing;
  for (const auto& f : files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(f, ec)) missing.push_back(f);
  }
  if (missing.empty()) return;
  std::string message = benchmark + " data not found: " + std::to_string(missing.size()) + " of " +
                        std::to_string(files.size()) + " required files missing under data dir '" + data_dir.string() +
                        "'";
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) message += " (the folder does not exist)";
  message += ", e.g.";
  for (size_t i = 0; i < missing.size() && i < 3; ++i) message += "\n  " + missing[i].string();
  if (missing.size() > 3) message += "\n  ...";
  message += "\nSet --data-dir or ENGRAM_DATA to the folder holding the data. " + how_to_get +
             "\nNothing is downloaded automatically; `engram-bench data fetch` downloads the canonical files "
             "(checksummed) into --data-dir, $ENGRAM_DATA or " + data_cache_dir().string() + ".";
  throw DataMissingError(message);
}

}  // namespace engram::tasks
