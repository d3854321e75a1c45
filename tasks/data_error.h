#pragma once
// Errors about task data, always naming where the problem is: the file, and the line (1-based) or
// the field when there is one. A malformed benchmark file must never surface as a bare parser
// message or, worse, as a silently different score.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace engram::tasks {

class DataError : public std::runtime_error {
 public:
  // "FILE:LINE: what" when line > 0, "FILE: what" otherwise; `field` is prefixed to `what`.
  DataError(const std::string& file, size_t line, const std::string& what, const std::string& field = "");
  const std::string& file() const { return file_; }
  size_t line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  size_t line_;
  std::string field_;
};

// Data that is not there at all (offline machine, wrong --data-dir): the message says what is
// missing and how to get it.
class DataMissingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A task with nothing to evaluate on this model (every RULER length above its context window): the
// evaluation lists it as skipped with this reason instead of failing.
class TaskNotApplicable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// nlohmann's parse_error text without its "[json.exception...] parse error at line L, column C: "
// prefix (callers report the position themselves, in the file's terms).
std::string json_error_reason(const std::string& what);

// 1-based line of a byte offset in a text (for parsers that report offsets, like nlohmann's).
size_t line_of_offset(const std::string& text, size_t offset);

}  // namespace engram::tasks
