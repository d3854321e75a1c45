#include "tasks/aggregate.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include "tasks/stats.h"

namespace engram::tasks {
namespace {

nlohmann::json number_or_null(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

struct SubtaskTally {
  std::map<std::string, std::vector<double>> values;  // metric key -> per-sample values
  size_t n = 0;
  size_t unparseable = 0;
  size_t truncated = 0;
  size_t truncated_prompts = 0;
  std::map<std::string, SubtaskSummary> summary;  // metric key -> mean/stderr/n
};

nlohmann::json group_entry(const std::vector<MetricSpec>& specs, const std::vector<std::string>& members,
                           const std::map<std::string, SubtaskTally>& tallies) {
  nlohmann::json metrics = nlohmann::json::object();
  size_t n = 0, unparseable = 0, truncated = 0, truncated_prompts = 0;
  for (const auto& s : members) {
    const auto& t = tallies.at(s);
    n += t.n;
    unparseable += t.unparseable;
    truncated += t.truncated;
    truncated_prompts += t.truncated_prompts;
  }
  for (const auto& spec : specs) {
    std::vector<SubtaskSummary> parts;
    for (const auto& s : members) {
      const auto& t = tallies.at(s);
      if (t.n > 0) parts.push_back(t.summary.at(spec.key()));
    }
    metrics[spec.key()] = {{"metric", spec.metric},
                           {"filter", spec.filter},
                           {"value", number_or_null(size_weighted_mean(parts))},
                           {"stderr", number_or_null(pooled_stderr(parts))},
                           {"stderr_method", "pooled"},
                           {"aggregation", "size_weighted_mean"},
                           {"macro_value", number_or_null(macro_mean(parts))},
                           {"n", n},
                           {"higher_is_better", spec.higher_is_better}};
  }
  return {{"n", n},
          {"subtasks", members},
          {"metrics", metrics},
          {"counts",
           {{"unparseable", unparseable}, {"truncated", truncated}, {"truncated_prompts", truncated_prompts}}}};
}

}  // namespace

nlohmann::json aggregate_results(const Task& task, const std::vector<SampleRecord>& records, std::optional<size_t> limit) {
  const auto specs = task.metrics();
  const auto subtasks = task.subtasks();
  std::map<std::string, SubtaskTally> tallies;
  for (const auto& s : subtasks) tallies[s];
  for (const auto& r : records) {
    auto it = tallies.find(r.subtask);
    if (it == tallies.end()) throw std::invalid_argument("sample " + r.doc_id + " names unknown subtask " + r.subtask);
    auto& t = it->second;
    ++t.n;
    t.unparseable += r.unparseable ? 1 : 0;
    t.truncated += r.truncated ? 1 : 0;
    t.truncated_prompts += r.prompt_truncated ? 1 : 0;
    for (const auto& m : r.metrics) t.values[m.metric + "," + m.filter].push_back(m.value);
  }

  nlohmann::json subtask_json = nlohmann::json::object();
  for (const auto& s : subtasks) {
    auto& t = tallies[s];
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& spec : specs) {
      const auto& xs = t.values[spec.key()];
      if (xs.size() != t.n) {
        throw std::logic_error("task " + task.name() + ": metric " + spec.key() + " missing on some samples of " + s);
      }
      SubtaskSummary sum{mean(xs), mean_stderr(xs), xs.size()};
      t.summary[spec.key()] = sum;
      metrics[spec.key()] = {{"metric", spec.metric},
                             {"filter", spec.filter},
                             {"value", number_or_null(sum.value)},
                             {"stderr", number_or_null(sum.stderr)},
                             {"stderr_method", "closed_form"},
                             {"aggregation", "mean"},
                             {"n", t.n},
                             {"higher_is_better", spec.higher_is_better}};
    }
    subtask_json[s] = {{"n", t.n},
                       {"n_total", task.subtask_size(s)},
                       {"fingerprint", task.subtask_fingerprint(s)},
                       {"metrics", metrics},
                       {"counts",
                        {{"unparseable", t.unparseable},
                         {"truncated", t.truncated},
                         {"truncated_prompts", t.truncated_prompts}}}};
  }

  nlohmann::json out = group_entry(specs, subtasks, tallies);
  size_t n_total = 0;
  for (const auto& s : subtasks) n_total += task.subtask_size(s);
  std::string primary;
  for (const auto& spec : specs) {
    if (spec.primary) primary = spec.key();
  }
  out["task"] = task.name();
  out["version"] = task.version();
  out["output_type"] = to_string(task.request_type());
  out["fingerprint"] = task.fingerprint();
  out["protocol"] = task.full_protocol();
  out["primary_metric"] = primary;
  out["n_total"] = n_total;
  out["limit"] = limit ? nlohmann::json(*limit) : nlohmann::json(nullptr);
  out["subtask_results"] = subtask_json;
  nlohmann::json groups = nlohmann::json::object();
  for (const auto& g : task.groups()) {
    std::vector<std::string> members;
    for (const auto& s : g.subtasks) {
      if (tallies.count(s)) members.push_back(s);
    }
    if (members.empty()) continue;
    auto entry = group_entry(specs, members, tallies);
    entry["display_name"] = g.display_name;
    groups[g.name] = entry;
  }
  out["groups"] = groups;
  return out;
}

}  // namespace engram::tasks
