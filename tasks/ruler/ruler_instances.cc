#include "tasks/ruler/ruler_instances.h"

#include <map>
#include <set>
#include <utility>
#include <stdexcept>

#include "tasks/ruler/ruler_scoring.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/text.h"

namespace engram::tasks::ruler {

MetricSpec ruler_metric() { return {"string_match", "ruler_postprocess", true, true}; }

std::string subtask_name(const std::string& task, std::optional<int64_t> length) {
  return length ? task + "@" + std::to_string(*length) : task;
}

SubtaskName parse_subtask_name(const std::string& subtask) {
  SubtaskName out;
  const size_t at = subtask.rfind('@');
  if (at == std::string::npos) {
    out.task = subtask;
    return out;
  }
  out.task = subtask.substr(0, at);
  const std::string digits = subtask.substr(at + 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 12) {
    out.task = subtask;
    return out;
  }
  out.length = std::stoll(digits);
  return out;
}

Instance ruler_instance(const std::string& subtask, size_t index, std::string prompt,
                        const std::vector<std::string>& references, int64_t max_new_tokens) {
  Instance inst;
  inst.subtask = subtask;
  inst.doc_index = index;
  inst.doc_id = subtask + "/" + std::to_string(index);
  inst.context = std::move(prompt);
  inst.target = nlohmann::json(references).dump();
  inst.type = RequestType::generate_until;
  inst.generation.stop = {};
  inst.generation.max_new_tokens = max_new_tokens;
  inst.generation.greedy = true;
  return inst;
}

std::vector<std::string> instance_references(const Instance& instance) {
  try {
    return nlohmann::json::parse(instance.target).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(instance.doc_id + ": target is not a JSON array of reference strings: " + e.what());
  }
}

SampleRecord score_ruler_response(const Instance& instance, const InstanceResponse& response, MatchMetric metric) {
  SampleRecord r = SampleRecord::for_instance(instance);
  const std::string raw = to_valid_utf8(response.generation.text);
  r.response = raw;
  const std::string cleaned = postprocess_prediction(raw);
  const auto spec = ruler_metric();
  r.filtered.emplace_back(spec.filter, cleaned);
  r.metrics.push_back({spec.metric, spec.filter, string_match(metric, cleaned, instance_references(instance))});
  r.unparseable = cleaned.empty();  // RULER's "nulls"
  r.truncated = response.generation.truncated;
  r.hit_stop = response.generation.hit_stop;
  r.tokens = response.generation.tokens;
  return r;
}

namespace {

// The per-length group is named for what it averages: "all" only for RULER's 13 tasks,
// "all_without_qa" for the 11 without qa_1/qa_2 (no QA data), "selected" for any other choice,
// so that a partial average never carries the 13-task name.
std::pair<std::string, std::string> length_group_name(const std::vector<std::string>& members) {
  std::set<std::string> tasks;
  for (const auto& m : members) tasks.insert(parse_subtask_name(m).task);
  std::set<std::string> all, without_qa;
  for (const auto& name : ruler_task_names()) {
    all.insert(name);
    if (name != "qa_1" && name != "qa_2") without_qa.insert(name);
  }
  if (tasks == all) return {"all", "average over its 13 tasks"};
  if (tasks == without_qa) return {"all_without_qa", "average over its 11 tasks without QA"};
  return {"selected", "average over " + std::to_string(tasks.size()) + " selected tasks"};
}

}  // namespace

std::vector<SubtaskGroup> ruler_groups(const std::vector<std::string>& subtasks) {
  std::vector<SubtaskGroup> out;
  std::map<int64_t, std::vector<std::string>> by_length;
  std::vector<int64_t> length_order;
  for (const auto& s : subtasks) {
    const auto parsed = parse_subtask_name(s);
    if (!parsed.length) continue;
    if (!by_length.count(*parsed.length)) length_order.push_back(*parsed.length);
    by_length[*parsed.length].push_back(s);
  }
  for (const auto& category : ruler_categories()) {
    std::vector<std::string> members;
    std::map<int64_t, std::vector<std::string>> members_by_length;
    for (const auto& s : subtasks) {
      const auto parsed = parse_subtask_name(s);
      for (const auto& t : category.tasks) {
        if (parsed.task != t) continue;
        members.push_back(s);
        if (parsed.length) members_by_length[*parsed.length].push_back(s);
      }
    }
    if (members.empty()) continue;
    out.push_back({category.name, "RULER " + category.name + " (" + category.display_name + ")", members});
    for (int64_t length : length_order) {
      const auto it = members_by_length.find(length);
      if (it == members_by_length.end()) continue;
      out.push_back({category.name + "@" + std::to_string(length),
                     "RULER " + category.name + " at " + std::to_string(length) + " tokens", it->second});
    }
  }
  for (int64_t length : length_order) {
    const auto& members = by_length[length];
    const auto [prefix, what] = length_group_name(members);
    out.push_back({prefix + "@" + std::to_string(length), "RULER " + what + " at " + std::to_string(length) + " tokens",
                   members});
  }
  return out;
}

}  // namespace engram::tasks::ruler
