#pragma once
// The evaluator: runs tasks against a LanguageModel and returns results and per-sample records as
// JSON. All requests of one kind, from all tasks, go to the model in ONE call (one
// loglikelihood() call, one generate_until() call), so that an engine can batch and sort them
// however it likes; results come back in request order and are matched to their documents here.
//
// Returned JSON (schema "engram-bench/task-eval/1"; a later issue wraps it in the report schema):
// {
//   "schema": "engram-bench/task-eval/1",
//   "model": <model.describe()>,
//   "config": {"limit": null | N, "tasks": ["bbh_cot_fewshot", ...]},
//   "requests": {"loglikelihood": <count>, "generate_until": <count>},
//   "results": {
//     "<task>": {
//       "task", "version", "output_type", "fingerprint" (SHA-256 hex of the canonical protocol),
//       "protocol": {"task": {...template, fewshot, generation, filters, metric, aggregation...},
//                    "subtasks": {"<subtask>": {"prefix_sha256", ...}}},
//       "primary_metric": "exact_match,get-answer" | "acc,none",
//       "n": <samples scored>, "n_total": <documents available>, "limit": null | N,
//       "subtasks": ["<subtask>", ...],
//       "metrics": {"<metric>,<filter>": {"metric", "filter", "value", "stderr",
//                   "stderr_method": "pooled", "aggregation": "size_weighted_mean",
//                   "macro_value" (unweighted mean of subtask values, for reference), "n",
//                   "higher_is_better"}},
//       "counts": {"unparseable": k, "truncated": k},
//       "subtask_results": {"<subtask>": {"n", "n_total", "fingerprint",
//                            "metrics": {"<metric>,<filter>": {..., "stderr_method": "closed_form",
//                                                             "aggregation": "mean"}},
//                            "counts": {...}}},
//       "groups": {"<group>": {"display_name", "n", "subtasks", "metrics", "counts"}}  // MMLU categories
//     }
//   },
//   "samples": {"<task>": [<SampleRecord::to_json()>: {"doc_id", "subtask", "doc_index", "prompt_hash",
//                "target", "response", "filtered": {"<filter>": answer}, "metrics": {"<metric>,<filter>": v},
//                "flags": {"unparseable", "truncated", "hit_stop"}, "tokens"}, ...]}   // when log_samples
// }
// Values and stderrs that are undefined (no samples, n < 2) are null.

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/language_model.h"
#include "tasks/task.h"

namespace engram::tasks {

struct EvaluateOptions {
  std::optional<size_t> limit;  // first N documents of each subtask (deterministic quick runs)
  bool log_samples = true;      // include per-sample records under "samples"
};

nlohmann::json evaluate(LanguageModel& model, const std::vector<const Task*>& tasks, const EvaluateOptions& options = {});
nlohmann::json evaluate(LanguageModel& model, const std::vector<std::unique_ptr<Task>>& tasks,
                        const EvaluateOptions& options = {});

}  // namespace engram::tasks
