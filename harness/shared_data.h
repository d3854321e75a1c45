#pragma once
// Where the shared data lives: $ENGRAM_SHARED, else ../shared next to the working directory's
// checkout (the project root when run from it), else ../shared next to the executable's project.

#include <filesystem>

namespace engram::harness {

std::filesystem::path shared_dir();

}  // namespace engram::harness
