#include "harness/report/report.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "engram/atomic_file.h"
#include "harness/report/report_checks.h"
#include "harness/report/report_version.h"

namespace engram::report {
namespace {

using nlohmann::json;

// Two-sided 95 % normal quantile.
constexpr double kZ95 = 1.96;

std::optional<double> finite_number(const json& value) {
  if (!value.is_number()) return std::nullopt;
  const double x = value.get<double>();
  if (!std::isfinite(x)) return std::nullopt;
  return x;
}

void add_intervals_to_section(json& result, const char* section) {
  if (!result.contains(section) || !result[section].is_object()) return;
  for (auto& [name, part] : result[section].items()) {
    if (part.contains("metrics")) add_confidence_intervals(part["metrics"]);
  }
}

}  // namespace

std::optional<std::array<double, 2>> confidence_interval_95(const json& value, const json& standard_error) {
  const std::optional<double> v = finite_number(value);
  const std::optional<double> se = finite_number(standard_error);
  if (!v || !se) return std::nullopt;
  return std::array<double, 2>{std::clamp(*v - kZ95 * *se, 0.0, 1.0), std::clamp(*v + kZ95 * *se, 0.0, 1.0)};
}

void add_confidence_intervals(json& metrics) {
  if (!metrics.is_object()) return;
  for (auto& [key, metric] : metrics.items()) {
    if (!metric.is_object()) continue;
    const auto interval = confidence_interval_95(metric.value("value", json(nullptr)), metric.value("stderr", json(nullptr)));
    metric["ci95"] = interval ? json(*interval) : json(nullptr);
  }
}

json items_from_samples(const std::string& task, const json& metrics, const json& samples) {
  if (!samples.is_array()) {
    throw std::invalid_argument("samples of task " + task + ": expected an array, got " + std::string(samples.type_name()));
  }
  json ids = json::array();
  json values = json::object();
  for (const auto& [key, metric] : metrics.items()) values[key] = json::array();
  std::set<std::string> seen;
  for (size_t i = 0; i < samples.size(); ++i) {
    const json& record = samples[i];
    const auto doc_id = record.find("doc_id");
    if (doc_id == record.end() || !doc_id->is_string()) {
      throw std::invalid_argument("samples of task " + task + ", record " + std::to_string(i) + ": no string doc_id");
    }
    const std::string& id = doc_id->get_ref<const std::string&>();
    if (!seen.insert(id).second) {
      throw std::invalid_argument("samples of task " + task + ": doc_id \"" + id +
                                  "\" appears twice, so its items could not be paired");
    }
    ids.push_back(id);
    const auto record_metrics = record.find("metrics");
    for (auto& [key, column] : values.items()) {
      std::optional<double> v;
      if (record_metrics != record.end() && record_metrics->is_object() && record_metrics->contains(key)) {
        v = finite_number((*record_metrics)[key]);
      }
      column.push_back(v ? json(*v) : json(nullptr));
    }
  }
  return {{"ids", ids}, {"metrics", values}};
}

json task_report(const std::string& task, json result, const json* samples, std::optional<double> seconds) {
  if (!result.is_object() || !result.contains("metrics")) {
    throw std::invalid_argument("results of task " + task + ": expected an object with \"metrics\"");
  }
  add_confidence_intervals(result["metrics"]);
  add_intervals_to_section(result, "subtask_results");
  add_intervals_to_section(result, "groups");
  result["items"] = samples ? items_from_samples(task, result["metrics"], *samples) : json(nullptr);
  if (seconds) result["timings"] = {{"seconds", *seconds}};
  return result;
}

json make_report(const ReportContext& context, json model, json config, const json& evaluation,
                 const ReportExtras& extras) {
  if (!evaluation.is_object() || !evaluation.contains("results") || !evaluation["results"].is_object()) {
    throw std::invalid_argument("evaluation: expected the evaluator's output, an object with \"results\"");
  }
  const json* all_samples = evaluation.contains("samples") && evaluation["samples"].is_object() ? &evaluation["samples"]
                                                                                                 : nullptr;
  json tasks = json::object();
  for (const auto& [name, result] : evaluation["results"].items()) {
    const json* samples = all_samples && all_samples->contains(name) ? &(*all_samples)[name] : nullptr;
    const auto seconds = extras.task_seconds.find(name);
    tasks[name] = task_report(name, result, samples,
                              seconds == extras.task_seconds.end() ? std::nullopt : std::optional<double>(seconds->second));
  }
  json timings = {{"wall_seconds", extras.wall_seconds},
                  {"load_seconds", extras.load_seconds ? json(*extras.load_seconds) : json(nullptr)},
                  {"eval_seconds", extras.eval_seconds ? json(*extras.eval_seconds) : json(nullptr)}};
  return {{"schema_version", kReportSchemaVersion.to_string()},
          {"kind", kReportKind},
          {"created", context.created},
          {"context", context.to_json()},
          {"model", std::move(model)},
          {"config", std::move(config)},
          {"tasks", std::move(tasks)},
          {"skipped", extras.skipped},
          {"speed", extras.speed},
          {"offload", extras.offload},
          {"samples_log", extras.samples_log},
          {"timings", std::move(timings)}};
}

std::string describe_violations(const std::string& origin, const std::vector<SchemaViolation>& violations,
                                size_t limit) {
  std::string text;
  for (size_t i = 0; i < std::min(limit, violations.size()); ++i) {
    text += (i ? "\n" : "") + origin + ": " + violations[i].to_string();
  }
  if (violations.size() > limit) {
    text += "\n" + origin + ": ... and " + std::to_string(violations.size() - limit) + " more";
  }
  return text;
}

void write_report(const std::string& path, const json& report) {
  std::vector<SchemaViolation> violations = validate_report(report);
  if (!violations.empty()) {
    std::string message =
        path + ": not written, the report does not match report-v1.schema.json:\n" + describe_violations(path, violations);
    throw ReportValidationError(message, std::move(violations));
  }
  write_file_atomically(path, report.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace engram::report
