#pragma once
// Building and writing the versioned report (docs/report-format.md, results/schema/report-v1.schema.json)
// from the evaluator's output and the run's context. Writing validates first, so a report on disk
// always matches the schema, and replaces the file atomically.

#include <array>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/report_context.h"
#include "harness/report/schema_validator.h"

namespace engram::report {

// The sections that come from elsewhere than the evaluator; each defaults to "not measured".
struct ReportExtras {
  nlohmann::json skipped = nlohmann::json::array();  // [{"task", "reason"}]
  nlohmann::json speed;                               // null, or the speed section
  nlohmann::json offload;                             // null, or the offload section
  nlohmann::json samples_log;                         // null, or SamplesLogInfo::to_report_json
  std::map<std::string, double> task_seconds;         // per-task wall time, where measured
  double wall_seconds = 0;
  std::optional<double> load_seconds;
  std::optional<double> eval_seconds;
};

// value ± 1.96 stderr, clamped to [0, 1] (every v1 metric is a proportion); nullopt when the value or
// the standard error is undefined (null or not finite).
std::optional<std::array<double, 2>> confidence_interval_95(const nlohmann::json& value, const nlohmann::json& standard_error);

// Adds "ci95" to every metric of a {"<metric>,<filter>": {...}} object.
void add_confidence_intervals(nlohmann::json& metrics);

// Per-item values for paired comparisons from one task's sample records: ids are the records'
// doc_ids in evaluation order, and for every key of `metrics` an array with each record's value
// (null where a record has none or it is not finite). A doc_id seen twice is an error, since items
// could not then be paired.
nlohmann::json items_from_samples(const std::string& task, const nlohmann::json& metrics, const nlohmann::json& samples);

// One task's report entry: the evaluator's result with ci95 on every metric (task, subtask and group
// level), "items" from `samples` (null when there are none) and "timings" when `seconds` is given.
nlohmann::json task_report(const std::string& task, nlohmann::json result, const nlohmann::json* samples,
                           std::optional<double> seconds);

// The whole report. `evaluation` is tasks::evaluate's output: its "results" become "tasks" and its
// "samples" become each task's items (the samples themselves belong in the per-sample log, not here).
nlohmann::json make_report(const ReportContext& context, nlohmann::json model, nlohmann::json config,
                           const nlohmann::json& evaluation, const ReportExtras& extras = {});

// The report does not match the schema or breaks a cross-field rule.
class ReportValidationError : public std::runtime_error {
 public:
  ReportValidationError(const std::string& what, std::vector<SchemaViolation> violations)
      : std::runtime_error(what), violations_(std::move(violations)) {}
  const std::vector<SchemaViolation>& violations() const { return violations_; }

 private:
  std::vector<SchemaViolation> violations_;
};

// Validates `report` (schema and cross-field rules) and writes it atomically; throws
// ReportValidationError naming `path` and the failing fields, writing nothing, when it is invalid.
void write_report(const std::string& path, const nlohmann::json& report);

// "<origin>: <problem>" lines for the first `limit` violations, and how many more there were.
std::string describe_violations(const std::string& origin, const std::vector<SchemaViolation>& violations,
                                size_t limit = 10);

}  // namespace engram::report
