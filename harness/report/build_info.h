#pragma once
// What this binary was built from: the project version, the git commit and whether tracked files
// differed from it, and the CMake build type. Generated at build time (build_info.cmake), so a
// rebuild after a commit reports the new commit without reconfiguring.

#include <optional>
#include <string>

namespace engram::report {

struct BuildInfo {
  std::string version;                    // project(VERSION) in CMakeLists.txt
  std::optional<std::string> git_commit;  // full hex commit; unset when not built from a git checkout
  std::optional<bool> git_dirty;          // tracked files modified; unset when the commit is
  std::string build_type;                 // CMAKE_BUILD_TYPE
};

const BuildInfo& build_info();

}  // namespace engram::report
