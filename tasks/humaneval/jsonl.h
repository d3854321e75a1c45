#pragma once
// JSON Lines input, plain or gzip-compressed (zlib reads both), with errors that name the file and
// the line.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace engram::tasks::humaneval {

// Malformed input: what() is "<file>:<line>: <message>" (no line when line == 0).
class DataError : public std::runtime_error {
 public:
  DataError(std::string file, size_t line, const std::string& message);
  const std::string& file() const { return file_; }
  size_t line() const { return line_; }  // 1-based; 0 when the error is about the whole file

 private:
  std::string file_;
  size_t line_;
};

// Calls `fn(object, line)` for every non-blank line, in order. A line that is not valid JSON, or not
// a JSON object, is a DataError naming the file and line; so is a truncated or corrupt .gz.
void read_jsonl(const std::filesystem::path& path, const std::function<void(const nlohmann::json&, size_t)>& fn);

// The string field `key` of a JSON Lines record; DataError naming the file, line and field when it is
// missing or not a string.
std::string string_field(const nlohmann::json& record, const char* key, const std::filesystem::path& file,
                         size_t line);

// Writes JSON Lines (gzip-compressed when the name ends in .gz) through a temporary file and rename.
void write_jsonl(const std::filesystem::path& path, const std::vector<nlohmann::json>& records);

}  // namespace engram::tasks::humaneval
