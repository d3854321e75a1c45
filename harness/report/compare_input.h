#pragma once
// The parts of a report (docs/report-format.md) that compare and regress read, pulled out of the
// JSON with field-by-field checks so that bad input names the file and the field. Unknown fields are
// ignored, as the report contract asks of readers.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "harness/report/compare_intervals.h"

namespace engram::report {

// Unusable input: the message names the file (or reference) and the field.
class ReportInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MetricSummary {
  std::optional<double> value;
  std::optional<double> standard_error;
  std::optional<std::pair<double, double>> ci95;  // from the report, else value +- 1.96 standard errors
  std::optional<int64_t> n;
  bool higher_is_better = true;
};
using MetricMap = std::map<std::string, MetricSummary>;

// A subtask or a group of subtasks inside a task.
struct ScoreScope {
  std::string name;
  std::optional<std::string> fingerprint;
  MetricMap metrics;
  std::vector<std::string> members;  // a group's subtasks; empty for a subtask
};

// Per-item values, aligned with ids; nullopt where the report has null.
struct ItemScores {
  std::vector<std::string> ids;
  std::map<std::string, std::vector<std::optional<double>>> metrics;
};

struct TaskScores {
  std::string name;
  std::optional<std::string> fingerprint;
  std::string primary_metric;
  MetricMap metrics;
  std::vector<ScoreScope> subtasks;
  std::vector<ScoreScope> groups;
  std::optional<ItemScores> items;
};

// The workload shape a speed row is paired on across reports (docs/report-format.md); the model is
// the column, not part of the key, so two models measured on the same shape meet in one row.
const std::vector<std::string>& speed_shape_fields();
// The throughput measures compared and gated, when a row has them.
const std::vector<std::string>& throughput_fields();

struct SpeedRow {
  std::string model;
  std::vector<std::pair<std::string, std::string>> key;  // speed_shape_fields() with their values as text
  std::map<std::string, double> throughput;              // throughput_fields() present in the row
  std::map<std::string, double> throughput_stddev;       // "<field>_stddev" where present
  // 95% t-interval of the per-repetition rates in "samples" (sweep rows with two or more repetitions).
  std::map<std::string, Interval> throughput_interval;
  std::string key_text() const;  // "batch=4 prompt_tokens=128 ..." (null fields left out)
};

struct OffloadRun {
  std::string tier;
  std::optional<double> table_parameters;
  std::optional<double> table_bytes;
  std::optional<double> tok_s;
  std::optional<double> overhead_pct;
  // 95% t-intervals over the timed repetitions ("samples": device and offloaded pass seconds, which
  // alternate, so the overhead is paired per repetition); unset without samples.
  std::optional<Interval> tok_s_interval;
  std::optional<Interval> overhead_pct_interval;
};

struct LoadedReport {
  std::string label;   // the column heading: the model name, made unique by the caller
  std::string source;  // the file, or paper:NAME
  std::string model_name;
  bool reference = false;  // published numbers: no items, no fingerprints
  std::vector<TaskScores> tasks;
  std::vector<SpeedRow> speed;
  std::vector<OffloadRun> offload;
  std::vector<std::string> notes;  // shown under the tables (e.g. a reference's protocol notes)
  // What a reader must know before trusting the numbers: random weights (scores at chance), skipped
  // tasks with their reasons, protocol overrides.
  std::vector<std::string> caveats;

  const TaskScores* find_task(const std::string& name) const;
};

LoadedReport load_report_file(const std::string& path);
// `source` is what error messages name (the file path).
LoadedReport parse_report(const nlohmann::json& report, const std::string& source);

// Gives each report a distinct label: the model name, or else the file name, or else "name #k".
void make_labels_unique(std::vector<LoadedReport>& reports);

}  // namespace engram::report
