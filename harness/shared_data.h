#pragma once
// Where the shared data lives: $ENGRAM_SHARED, else ../shared next to the working directory's
// checkout (the project root when run from it), else ../shared next to the executable's project.

#include <filesystem>

namespace engram::harness {

std::filesystem::path shared_dir();

// The project checkout: the working directory when it is one, else the one the executable was built
// in (build/harness/engram-bench -> <project>), else the working directory.
std::filesystem::path project_dir();

}  // namespace engram::harness
