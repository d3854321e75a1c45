#pragma once
// An RFC 4180 CSV reader, as lenient as Python's csv module (excel dialect) is with the files
// MMLU ships: quoted fields may hold commas, doubled quotes and newlines; a quote inside an
// unquoted field is literal. Each record remembers the line it starts on, so that a loader can
// name FILE:LINE for a bad row. An unterminated quoted field is an error (Python would silently
// swallow the rest of the file into one field).

#include <cstddef>
#include <string>
#include <vector>

namespace engram::tasks {

struct CsvRecord {
  size_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

// Parses the whole text. Blank lines are skipped, a UTF-8 byte-order mark is dropped, and "\n",
// "\r\n" and "\r" all end a record (inside quotes they are kept as they are). `file` only names
// the source in errors (DataError).
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& file);

}  // namespace engram::tasks
