#pragma once
// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex. Used for the completion hashes in the
// per-sample records; small and local so that this library stands alone.

#include <string>
#include <string_view>

namespace engram::tasks::humaneval {

std::string sha256_hex(std::string_view data);

}  // namespace engram::tasks::humaneval
