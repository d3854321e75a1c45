#pragma once
// Protocol fingerprints: SHA-256 over a canonical JSON text. nlohmann's objects keep keys sorted,
// and dump() without indentation is deterministic, so equal descriptions give equal hashes however
// they were built. Descriptions hold strings, integers and booleans only (no floats), so number
// formatting can never move a hash.

#include <string>

#include <nlohmann/json.hpp>

namespace engram::tasks {

std::string canonical_json(const nlohmann::json& value);
std::string fingerprint_of(const nlohmann::json& description);

}  // namespace engram::tasks
