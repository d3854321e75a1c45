#pragma once
// Turns a task's per-sample records into its results: per subtask the mean and closed-form stderr
// of each metric, and for the whole task and each of its groups the example-weighted (micro) mean
// with lm-eval's pooled stderr. Also counts unparseable and truncated answers, and prompts cut to the
// model's window (truncated_prompts). The JSON layout is
// documented in evaluator.h.

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/task.h"

namespace engram::tasks {

nlohmann::json aggregate_results(const Task& task, const std::vector<SampleRecord>& records,
                                 std::optional<size_t> limit = std::nullopt);

}  // namespace engram::tasks
