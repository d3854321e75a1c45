#pragma once
// The speed rows' one field list and its printers. Every format carries the same fields in the same
// order (as llama-bench's printers do): json is the report's `speed` object {"fields", "rows"},
// jsonl one row per line, csv and md one column per field, where an object field becomes one column
// per key ("ttft_ms.p50") and an array field one column of ';'-joined values. No LibTorch.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::harness::speed {

// The row fields, in output order (docs/report-format.md, `speed.rows`).
const std::vector<std::string>& row_fields();

enum class OutputFormat { kJson, kJsonl, kCsv, kMarkdown };
// "json" | "jsonl" | "csv" | "md"; throws std::invalid_argument naming the value otherwise.
OutputFormat parse_output_format(const std::string& name);

// Throws std::invalid_argument when a row lacks a field of row_fields() or carries one it does not list.
void check_row(const nlohmann::json& row);

// {"fields": row_fields(), "rows": rows}: the report's speed section.
nlohmann::json speed_section(const nlohmann::json& rows);

// The column names and cell texts csv and md print: fields flattened in order.
std::vector<std::string> flat_columns(const nlohmann::json& rows);
std::vector<std::string> flat_cells(const nlohmann::json& row, const std::vector<std::string>& columns);

std::string format_rows(const nlohmann::json& rows, OutputFormat format);

}  // namespace engram::harness::speed
