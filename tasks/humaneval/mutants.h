#pragma once
// Deterministic wrong variants of a correct solution: negative controls that must fail when run.

#include <optional>
#include <string>
#include <string_view>

namespace engram::tasks::humaneval {

// The solution without its last non-blank line (nullopt when it has no non-blank line).
std::optional<std::string> remove_last_line(std::string_view solution);

// The returned value off by one: every `return EXPR` statement whose expression ends on its own line
// (outside strings and comments, brackets balanced, no backslash continuation) becomes
// `return (EXPR) + 1`. nullopt when there is no such statement. For ints and floats that is an
// off-by-one; for booleans, strings, lists and None it changes the value or raises TypeError.
std::optional<std::string> inject_off_by_one(std::string_view solution);

}  // namespace engram::tasks::humaneval
