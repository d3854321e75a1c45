#include "tasks/csv_reader.h"

#include "tasks/data_error.h"

namespace engram::tasks {

std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& file) {
  std::vector<CsvRecord> records;
  size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  size_t line = 1;
  const size_t n = text.size();

  while (i < n) {
    // Blank line: no record (Python's reader yields [] for it, and loaders skip those).
    if (text[i] == '\n' || text[i] == '\r') {
      if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
      continue;
    }
    CsvRecord record;
    record.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      if (i < n && text[i] == '"') {
        // Quoted field: runs to the next lone quote; "" is a literal quote.
        const size_t quote_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          if (c == '\r' && !(i + 1 < n && text[i + 1] == '\n')) ++line;
          field.push_back(c);
          ++i;
        }
        if (!closed) {
          throw DataError(file, quote_line, "unterminated quoted field (no closing '\"' before the end of the file)",
                          "field " + std::to_string(record.fields.size() + 1));
        }
      }
      // Unquoted text, or what follows a closing quote (kept literally, as Python's csv does).
      while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field.push_back(text[i++]);
      record.fields.push_back(std::move(field));
      field.clear();
      if (i >= n) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        end_of_record = true;
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace engram::tasks
