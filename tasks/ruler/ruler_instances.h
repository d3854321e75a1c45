#pragma once
// What the two RULER tasks (native generation and upstream JSONL) share: subtask names that carry
// the length ("niah_single_1@4096"), turning a prompt into a generation request, scoring a response
// with RULER's metric, and the groups results are reported by (the paper's categories, per length,
// and per category per length).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/task.h"

namespace engram::tasks::ruler {

// The metric every RULER subtask reports: string_match_all or string_match_part by task, after
// RULER's prediction clean-up; per sample in [0, 1].
MetricSpec ruler_metric();

struct SubtaskName {
  std::string task;               // "niah_single_1"
  std::optional<int64_t> length;  // 4096
};
std::string subtask_name(const std::string& task, std::optional<int64_t> length);
SubtaskName parse_subtask_name(const std::string& subtask);

// A greedy generation request with no stop strings (RULER has none); `target` holds the references
// as a JSON array so that scoring needs nothing but the instance.
Instance ruler_instance(const std::string& subtask, size_t index, std::string prompt,
                        const std::vector<std::string>& references, int64_t max_new_tokens);
std::vector<std::string> instance_references(const Instance& instance);

SampleRecord score_ruler_response(const Instance& instance, const InstanceResponse& response, MatchMetric metric);

// Groups over `subtasks`: each category present ("S"), each category at each length ("S@4096"),
// and each length: "all@4096" when it holds RULER's 13 tasks, "all_without_qa@4096" for the 11
// without QA, "selected@4096" otherwise. Subtasks whose task is not one of RULER's 13 only join length groups.
std::vector<SubtaskGroup> ruler_groups(const std::vector<std::string>& subtasks);

}  // namespace engram::tasks::ruler
