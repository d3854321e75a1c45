#include "harness/report/paper_reference.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <fstream>

#include <nlohmann/json.hpp>

namespace engram::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kTableFiles[] = {"table1.json", "table2.json", "table4.json"};

struct TableFile {
  fs::path path;
  json body;
};

[[noreturn]] void bad_table(const fs::path& path, const std::string& field, const std::string& problem) {
  throw ReportInputError(path.string() + ": field " + field + ": " + problem);
}

const json& require(const TableFile& t, const json& node, const std::string& field, const std::string& where) {
  if (!node.is_object() || !node.contains(field)) bad_table(t.path, where + field, "missing");
  return node.at(field);
}

std::vector<TableFile> read_tables(const fs::path& dir) {
  std::vector<TableFile> out;
  for (const char* name : kTableFiles) {
    const fs::path path = dir / name;
    std::ifstream in(path);
    if (!in) throw ReportInputError(path.string() + ": cannot open (the paper's reference tables; set ENGRAM_PAPER_DIR)");
    try {
      out.push_back({path, json::parse(in)});
    } catch (const json::parse_error& e) {
      throw ReportInputError(path.string() + ": not valid JSON: " + e.what());
    }
  }
  return out;
}

std::vector<std::string> column_names(const TableFile& t) {
  std::vector<std::string> out;
  const json& columns = require(t, t.body, "columns", "");
  if (!columns.is_array()) bad_table(t.path, "columns", "expected an array");
  for (size_t i = 0; i < columns.size(); ++i) {
    const json& name = require(t, columns[i], "reference", "columns." + std::to_string(i) + ".");
    if (!name.is_string()) bad_table(t.path, "columns." + std::to_string(i) + ".reference", "expected a string");
    out.push_back(name.get<std::string>());
  }
  return out;
}

double number_at(const TableFile& t, const json& node, const std::string& field, const std::string& where) {
  const json& v = require(t, node, field, where);
  if (!v.is_number()) bad_table(t.path, where + field, "expected a number");
  return v.get<double>();
}

TaskScores& task_named(LoadedReport& report, const std::string& name) {
  for (TaskScores& t : report.tasks) {
    if (t.name == name) return t;
  }
  report.tasks.push_back(TaskScores{});
  report.tasks.back().name = name;
  return report.tasks.back();
}

MetricSummary published(double value, const std::string& unit, bool higher_is_better) {
  MetricSummary m;
  m.value = unit == "percent" ? value / 100.0 : value;
  m.higher_is_better = higher_is_better;
  return m;
}

// Table 1 and 2 rows that map to an engram-bench task become that task's metric (T1) or group (T2).
void add_score_rows(const TableFile& t, const std::string& name, LoadedReport& report) {
  const json& rows = require(t, t.body, "rows", "");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = "rows." + std::to_string(i) + ".";
    const json& row = rows[i];
    const json& values = require(t, row, "values", where);
    if (!values.contains(name)) continue;
    const json& ours = require(t, row, "ours", where);
    if (ours.is_null()) continue;
    const double value = number_at(t, values, name, where + "values.");
    const std::string unit = require(t, row, "unit", where).get<std::string>();
    const bool higher = require(t, row, "higher_is_better", where).get<bool>();
    const std::string task = require(t, ours, "task", where + "ours.").get<std::string>();
    const std::string metric = require(t, ours, "metric", where + "ours.").get<std::string>();
    TaskScores& scores = task_named(report, task);
    if (ours.contains("group")) {
      ScoreScope group;
      group.name = ours.at("group").get<std::string>();
      group.metrics[metric] = published(value, unit, higher);
      if (ours.contains("subtasks")) group.members = ours.at("subtasks").get<std::vector<std::string>>();
      scores.groups.push_back(std::move(group));
    } else {
      scores.primary_metric = metric;
      scores.metrics[metric] = published(value, unit, higher);
    }
  }
}

// Table 4: a speed row per configuration, and an offload run for the offloaded one.
void add_throughput_rows(const TableFile& t, const std::string& name, LoadedReport& report) {
  const json& rows = require(t, t.body, "rows", "");
  const json& setup = require(t, t.body, "setup", "");
  std::optional<double> baseline;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = "rows." + std::to_string(i) + ".";
    const json& row = rows[i];
    if (require(t, row, "reference", where).get<std::string>() != name) continue;
    const double tok_s = number_at(t, row, "throughput_tok_s", where);
    const json& tier = require(t, row, "engram_table", where);
    SpeedRow speed;
    speed.model = require(t, row, "base_model", where).get<std::string>();
    speed.key = {{"batch", "null"},
                 {"prompt_tokens", "null"},
                 {"gen_tokens", "null"},
                 {"dtype", "null"},
                 {"device", require(t, setup, "hardware", "setup.").get<std::string>()},
                 {"threads", "null"},
                 {"engram_table", tier.is_null() ? "null" : tier.get<std::string>()},
                 {"workload", "nano-vllm"}};
    speed.throughput["output_tok_s"] = tok_s;
    report.speed.push_back(speed);
    if (tier.is_null()) {
      baseline = tok_s;
    } else {
      OffloadRun run;
      run.tier = tier.get<std::string>();
      run.table_parameters = number_at(t, row, "engram_parameters", where);
      run.tok_s = tok_s;
      if (baseline) run.overhead_pct = 100.0 * (*baseline - tok_s) / *baseline;
      report.offload.push_back(run);
    }
  }
}

}  // namespace

bool is_paper_reference(const std::string& spec) { return spec.rfind(kPaperPrefix, 0) == 0; }

fs::path default_paper_dir() {
  if (const char* env = std::getenv("ENGRAM_PAPER_DIR"); env && *env) return env;
  const fs::path from_cwd = fs::current_path() / "results" / "paper";
  if (fs::exists(from_cwd)) return from_cwd;
  // BUILD/harness/engram-bench -> <project>/results/paper
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n > 0) {
    fs::path dir = fs::path(std::string(buffer, static_cast<size_t>(n))).parent_path();
    for (int up = 0; up < 4 && dir.has_parent_path(); ++up, dir = dir.parent_path()) {
      if (fs::exists(dir / "results" / "paper" / kTableFiles[0])) return dir / "results" / "paper";
    }
  }
  return from_cwd;
}

std::vector<std::string> paper_reference_names(const fs::path& paper_dir) {
  std::vector<std::string> out;
  for (const TableFile& t : read_tables(paper_dir)) {
    for (const std::string& name : column_names(t)) {
      const std::string full = kPaperPrefix + name;
      if (std::find(out.begin(), out.end(), full) == out.end()) out.push_back(full);
    }
  }
  return out;
}

LoadedReport load_paper_reference(const std::string& spec, const fs::path& paper_dir) {
  if (!is_paper_reference(spec)) throw ReportInputError(spec + ": a reference is named paper:NAME");
  const std::string name = spec.substr(std::string(kPaperPrefix).size());
  const std::vector<TableFile> tables = read_tables(paper_dir);
  LoadedReport report;
  report.source = spec;
  report.label = spec;
  report.model_name = spec;
  report.reference = true;
  bool found = false;
  for (const TableFile& t : tables) {
    const auto names = column_names(t);
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    found = true;
    const int table = require(t, t.body, "table", "").get<int>();
    if (table == 4) add_throughput_rows(t, name, report);
    else add_score_rows(t, name, report);
    report.notes.push_back("Table " + std::to_string(table) + " (" + t.path.filename().string() +
                           "): " + require(t, t.body, "protocol_notes", "").get<std::string>());
  }
  if (!found) {
    std::string known;
    for (const std::string& n : paper_reference_names(paper_dir)) known += (known.empty() ? "" : ", ") + n;
    throw ReportInputError("unknown reference " + spec + " (known: " + known + ")");
  }
  report.notes.push_back("published numbers without per-item data: no paired test, protocol not fingerprinted");
  return report;
}

LoadedReport load_report_or_reference(const std::string& spec, const fs::path& paper_dir) {
  return is_paper_reference(spec) ? load_paper_reference(spec, paper_dir) : load_report_file(spec);
}

}  // namespace engram::report
