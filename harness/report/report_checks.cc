#include "harness/report/report_checks.h"

#include <set>
#include <string>

#include "harness/report/report_schemas.h"

namespace engram::report {
namespace {

using nlohmann::json;

// Intervals are rounded to doubles independently of the value; allow for that.
constexpr double kIntervalSlack = 1e-12;

void check_metric_intervals(const json& metrics, const std::string& pointer, std::vector<SchemaViolation>& out) {
  if (!metrics.is_object()) return;
  for (const auto& [key, metric] : metrics.items()) {
    const json* value = metric.contains("value") ? &metric.at("value") : nullptr;
    const json* interval = metric.contains("ci95") ? &metric.at("ci95") : nullptr;
    if (!value || !interval || !value->is_number() || !interval->is_array() || interval->size() != 2) continue;
    const double v = value->get<double>();
    const double low = (*interval)[0].get<double>();
    const double high = (*interval)[1].get<double>();
    if (low > v + kIntervalSlack || high < v - kIntervalSlack) {
      out.push_back({pointer + "/" + json_pointer_token(key) + "/ci95", "consistency", "",
                     "interval " + interval->dump() + " does not contain the value " + value->dump()});
    }
  }
}

void check_task(const std::string& name, const json& task, std::vector<SchemaViolation>& out) {
  const std::string pointer = "/tasks/" + json_pointer_token(name);
  const json& metrics = task.at("metrics");
  const std::string primary = task.at("primary_metric").get<std::string>();
  if (!metrics.contains(primary)) {
    out.push_back({pointer + "/primary_metric", "consistency", "",
                   "\"" + primary + "\" is not one of the task's metrics"});
  }
  check_metric_intervals(metrics, pointer + "/metrics", out);
  for (const char* section : {"subtask_results", "groups"}) {
    if (!task.contains(section) || !task.at(section).is_object()) continue;
    for (const auto& [part, result] : task.at(section).items()) {
      if (result.contains("metrics")) {
        check_metric_intervals(result.at("metrics"),
                               pointer + "/" + section + "/" + json_pointer_token(part) + "/metrics", out);
      }
    }
  }
  const json& items = task.at("items");
  if (!items.is_object()) return;
  const json& ids = items.at("ids");
  std::set<std::string> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!seen.insert(ids[i].get<std::string>()).second) {
      out.push_back({pointer + "/items/ids/" + std::to_string(i), "consistency", "",
                     "id " + ids[i].dump() + " appears more than once"});
    }
  }
  for (const auto& [key, values] : items.at("metrics").items()) {
    if (values.size() != ids.size()) {
      out.push_back({pointer + "/items/metrics/" + json_pointer_token(key), "consistency", "",
                     "has " + std::to_string(values.size()) + " values for " + std::to_string(ids.size()) + " ids"});
    }
  }
}

}  // namespace

std::vector<SchemaViolation> report_consistency_problems(const json& report) {
  std::vector<SchemaViolation> out;
  for (const auto& [name, task] : report.at("tasks").items()) check_task(name, task, out);
  return out;
}

std::vector<SchemaViolation> validate_report(const json& report) {
  std::vector<SchemaViolation> out = report_schema_validator().validate(report);
  // The cross-field rules assume the shapes the schema guarantees.
  if (out.empty()) out = report_consistency_problems(report);
  return out;
}

}  // namespace engram::report
