#include "tasks/fingerprint.h"

#include "tasks/sha256.h"

namespace engram::tasks {

std::string canonical_json(const nlohmann::json& value) {
  // ensure_ascii = true: the hashed bytes do not depend on how non-ASCII text was escaped.
  return value.dump(-1, ' ', true);
}

std::string fingerprint_of(const nlohmann::json& description) { return sha256_hex(canonical_json(description)); }

}  // namespace engram::tasks
