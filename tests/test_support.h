#pragma once
// Locating the shared data (../shared, or $ENGRAM_SHARED) and the project's own test data. A test
// that needs shared data fails when it is missing under CI=true, and skips elsewhere.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace engram::testing {

inline std::filesystem::path source_dir() { return ENGRAM_SOURCE_DIR; }

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("ENGRAM_SHARED"); env && *env) return env;
  return source_dir().parent_path() / "shared";
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

inline std::filesystem::path golden_dir() { return shared_dir() / "golden" / "engram"; }

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

}  // namespace engram::testing

// Use at the top of a test: fails under CI=true, skips otherwise, when the path is missing.
#define ENGRAM_REQUIRE_SHARED(path)                                                        \
  do {                                                                                     \
    if (!std::filesystem::exists(path)) {                                                  \
      if (::engram::testing::running_in_ci()) {                                            \
        FAIL() << "shared data missing under CI=true: " << (path);                         \
      } else {                                                                             \
        GTEST_SKIP() << "shared data not found: " << (path) << " (set ENGRAM_SHARED)";     \
      }                                                                                    \
    }                                                                                      \
  } while (0)
