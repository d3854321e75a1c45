#pragma once
// Regular expressions with Python `re` semantics, on ICU. lm-evaluation-harness extracts answers
// with Python patterns such as BBH's `(?<=the answer is )(.*)(?=.)`, which need look-behind (not in
// std::regex) and Python's meaning of `.` and `$` (only "\n" ends a line: ICU's UNIX_LINES mode).
// The extraction rules here must pick exactly what Python picks, or scores drift.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::tasks {

class PyRegex {
 public:
  struct Compiled;  // the ICU pattern (defined in the .cc file, so ICU stays out of this header)

  // Throws std::invalid_argument naming the pattern when ICU cannot compile it.
  explicit PyRegex(std::string pattern);
  ~PyRegex();
  PyRegex(PyRegex&&) noexcept;
  PyRegex& operator=(PyRegex&&) noexcept;
  PyRegex(const PyRegex& other);
  PyRegex& operator=(const PyRegex& other);

  const std::string& pattern() const { return source_; }
  int group_count() const;

  struct Match {
    std::string whole;                // group 0
    std::vector<std::string> groups;  // groups 1..n ("" for a group that did not take part)
  };
  // Every non-overlapping match, left to right, as re.finditer yields them.
  std::vector<Match> find_all(std::string_view text) const;
  // re.search: the first match, if any.
  std::optional<Match> search(std::string_view text) const;
  // re.sub(pattern, replacement, text) with a literal replacement (no group references).
  std::string sub(std::string_view text, std::string_view replacement = "") const;

 private:
  std::string source_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace engram::tasks
