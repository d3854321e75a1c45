#include "tasks/data_error.h"

#include <algorithm>

namespace engram::tasks {
namespace {

std::string compose(const std::string& file, size_t line, const std::string& what, const std::string& field) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!field.empty()) out += field + ": ";
  out += what;
  return out;
}

}  // namespace

DataError::DataError(const std::string& file, size_t line, const std::string& what, const std::string& field)
    : std::runtime_error(compose(file, line, what, field)), file_(file), line_(line), field_(field) {}

std::string json_error_reason(const std::string& what) {
  const size_t at = what.find("parse error");
  if (at == std::string::npos) return what;
  const size_t colon = what.find(": ", at);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

size_t line_of_offset(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace engram::tasks
