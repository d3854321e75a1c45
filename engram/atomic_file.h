#pragma once
// Outputs are written to a temporary file beside the target and renamed over it, so that a crash
// or a full disk never leaves a half-written file under the real name.

#include <string>

namespace engram {

void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace engram
