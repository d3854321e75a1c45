#include "harness/speed/speed_rows.h"

#include <fmt/format.h>

#include <stdexcept>

namespace engram::harness::speed {
namespace {

// Object-valued fields flatten to one column per key, in this order.
const std::vector<std::string>& percentile_keys() {
  static const std::vector<std::string> keys{"p50", "p90", "p99"};
  return keys;
}

std::string cell_text(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return fmt::format("{:.6g}", value.get<double>());
  if (value.is_array()) {
    std::string joined;
    for (const auto& item : value) joined += (joined.empty() ? "" : ";") + cell_text(item);
    return joined;
  }
  return value.dump();
}

std::string csv_quote(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Columns of one object field: its keys in a fixed order (percentiles first, then the rest sorted).
std::vector<std::string> object_keys(const std::string& field, const nlohmann::json& rows) {
  std::vector<std::string> keys;
  const auto add = [&](const std::string& key) {
    for (const auto& k : keys) {
      if (k == key) return;
    }
    keys.push_back(key);
  };
  if (field == "ttft_ms" || field == "tpot_ms") {
    for (const auto& k : percentile_keys()) add(k);
  }
  for (const auto& row : rows) {
    if (!row.contains(field) || !row[field].is_object()) continue;
    for (const auto& [key, value] : row[field].items()) add(key);
  }
  return keys;
}

}  // namespace

const std::vector<std::string>& row_fields() {
  static const std::vector<std::string> fields{
      "model", "dtype", "device", "threads", "engram_table", "engram_cache_rows", "compression_table",
      "workload", "workload_params", "batch", "batch_requested", "prompt_tokens", "gen_tokens", "repetitions",
      "warmup", "warmup_settled", "warmup_cv", "prefill_tok_s", "prefill_tok_s_stddev", "decode_tok_s",
      "decode_tok_s_stddev", "output_tok_s", "ttft_ms", "tpot_ms", "peak_memory_bytes", "peak_memory_kind",
      "samples"};
  return fields;
}

OutputFormat parse_output_format(const std::string& name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "jsonl") return OutputFormat::kJsonl;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "md") return OutputFormat::kMarkdown;
  throw std::invalid_argument("--output-format: expected json, jsonl, csv or md, got '" + name + "'");
}

void check_row(const nlohmann::json& row) {
  if (!row.is_object()) throw std::invalid_argument("speed row: not an object");
  for (const auto& field : row_fields()) {
    if (!row.contains(field)) throw std::invalid_argument("speed row: missing field '" + field + "'");
  }
  if (row.size() != row_fields().size()) {
    for (const auto& [key, value] : row.items()) {
      bool known = false;
      for (const auto& field : row_fields()) known = known || field == key;
      if (!known) throw std::invalid_argument("speed row: field '" + key + "' is not in the field list");
    }
  }
}

nlohmann::json speed_section(const nlohmann::json& rows) {
  for (const auto& row : rows) check_row(row);
  return {{"fields", row_fields()}, {"rows", rows}};
}

std::vector<std::string> flat_columns(const nlohmann::json& rows) {
  std::vector<std::string> columns;
  for (const auto& field : row_fields()) {
    bool is_object = field == "ttft_ms" || field == "tpot_ms";
    for (const auto& row : rows) is_object = is_object || (row.contains(field) && row[field].is_object());
    if (!is_object) {
      columns.push_back(field);
      continue;
    }
    for (const auto& key : object_keys(field, rows)) columns.push_back(field + "." + key);
  }
  return columns;
}

std::vector<std::string> flat_cells(const nlohmann::json& row, const std::vector<std::string>& columns) {
  std::vector<std::string> cells;
  for (const auto& column : columns) {
    const std::size_t dot = column.find('.');
    const nlohmann::json* value = nullptr;
    if (dot == std::string::npos) {
      if (row.contains(column)) value = &row[column];
    } else {
      const std::string field = column.substr(0, dot), key = column.substr(dot + 1);
      if (row.contains(field) && row[field].is_object() && row[field].contains(key)) value = &row[field][key];
    }
    cells.push_back(value ? cell_text(*value) : "");
  }
  return cells;
}

std::string format_rows(const nlohmann::json& rows, OutputFormat format) {
  for (const auto& row : rows) check_row(row);
  std::string out;
  switch (format) {
    case OutputFormat::kJson:
      return speed_section(rows).dump(1) + "\n";
    case OutputFormat::kJsonl:
      for (const auto& row : rows) {
        nlohmann::ordered_json ordered;
        for (const auto& field : row_fields()) ordered[field] = row[field];
        out += ordered.dump() + "\n";
      }
      return out;
    case OutputFormat::kCsv: {
      const auto columns = flat_columns(rows);
      for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_quote(columns[i]);
      out += "\n";
      for (const auto& row : rows) {
        const auto cells = flat_cells(row, columns);
        for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_quote(cells[i]);
        out += "\n";
      }
      return out;
    }
    case OutputFormat::kMarkdown: {
      const auto columns = flat_columns(rows);
      const auto line = [](const std::vector<std::string>& cells) {
        std::string text = "|";
        for (const auto& c : cells) {
          std::string escaped;
          for (char ch : c) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
          text += " " + escaped + " |";
        }
        return text + "\n";
      };
      out += line(columns);
      out += line(std::vector<std::string>(columns.size(), "---"));
      for (const auto& row : rows) out += line(flat_cells(row, columns));
      return out;
    }
  }
  throw std::logic_error("unknown output format");
}

}  // namespace engram::harness::speed
