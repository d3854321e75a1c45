#pragma once
// The evaluator: runs tasks against a LanguageModel and returns results and per-sample records as
// JSON. Requests of one kind, from all tasks, go subtask by subtask (siblings share a few-shot prompt)
// longest first, in chunks of `chunk_instances` instances (one call per chunk), so that an engine
// batches, sorts and shares prefixes as it likes while a crash loses at most one chunk: with a
// journal (journal.h), each chunk's responses are appended and synced to disk as it finishes and a
// rerun reuses them. Results come back in request order and are matched to their documents
// here; scoring runs after all responses are in.
//
// Returned JSON (schema "engram-bench/task-eval/1"; a later issue wraps it in the report schema):
// {
//   "schema": "engram-bench/task-eval/1",
//   "model": <model.describe()>,
//   "config": {"limit": null | N, "tasks": ["bbh_cot_fewshot", ...]},
//   "model_fingerprint": <SHA-256 of the model's output-relevant description (journal keys)>,
//   "requests": {"loglikelihood": <count>, "generate_until": <count>},
//   "journal": {"path", "reused", "torn_lines"}    // only with a journal
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
//       "counts": {"unparseable": k, "truncated": k,   // truncated: generations cut at max_new_tokens
//                  "truncated_prompts": k},              // samples whose prompt lost its oldest tokens to the window
//       "protocol_overrides": {"max_new_tokens": N}   // only under EvaluateOptions::max_new_tokens; the
//                                                     // fingerprint then hashes the task's and these
//       "subtask_results": {"<subtask>": {"n", "n_total", "fingerprint",
//                            "metrics": {"<metric>,<filter>": {..., "stderr_method": "closed_form",
//                                                             "aggregation": "mean"}},
//                            "counts": {...}}},
//       "groups": {"<group>": {"display_name", "n", "subtasks", "metrics", "counts"}}  // MMLU categories
//     }
//   },
//   "samples": {"<task>": [<SampleRecord::to_json()>: {"doc_id", "subtask", "doc_index", "prompt_hash",
//                "target", "response", "filtered": {"<filter>": answer}, "metrics": {"<metric>,<filter>": v},
//                "flags": {"unparseable", "truncated", "hit_stop", "prompt_truncated"}, "tokens"}, ...]}
//                // when log_samples
// }
// Values and stderrs that are undefined (no samples, n < 2) are null.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/language_model.h"
#include "tasks/task.h"

namespace engram::tasks {

class Journal;
class RequestSharing;

// Where a run is, for progress bars: phase "loglikelihood" | "generate_until" | "score", with
// instances done out of total (for "score": tasks done out of tasks).
struct EvaluateProgress {
  std::string phase;
  size_t done = 0;
  size_t total = 0;
  size_t from_journal = 0;  // of `done`, answered by the journal
};

struct EvaluateOptions {
  std::optional<size_t> limit;  // first N documents of each subtask (deterministic quick runs)
  bool log_samples = true;      // include per-sample records under "samples"
  // Crash safety (journal.h): responses already in the journal are reused, new ones are appended as
  // each chunk of instances finishes. Null: no journal.
  Journal* journal = nullptr;
  // Identity of the model's outputs for journal keys; empty: model_fingerprint(model).
  std::string model_fingerprint;
  // Instances per model call. Instances go subtask by subtask, longest prompt first (the first
  // chunk meets the peak memory), cut into chunks so that at most one chunk of work is lost to a
  // crash; the engine still batches, sorts and shares prefixes within a chunk.
  size_t chunk_instances = 64;
  std::function<void(const EvaluateProgress&)> progress;
  // Caps every generation budget (quick suites on random-weight models, which rarely emit a stop
  // string). A capped task's protocol differs from the standard one: its result carries
  // "protocol_overrides" and a fingerprint that covers them, so it never pairs with a full run.
  std::optional<int64_t> max_new_tokens;
  // Data parallelism (request_sharing.h): this process answers only its share of each request type,
  // and only the process that scores returns results; the others return {"scored": false, ...}
  // without "results". Null: one process answers everything.
  RequestSharing* sharing = nullptr;
};

// SHA-256 of the model's description without what cannot change its outputs (the batch size, and
// checkpoint_identity.source: whether the weights' digest was cached).
std::string model_fingerprint(const LanguageModel& model);

nlohmann::json evaluate(LanguageModel& model, const std::vector<const Task*>& tasks, const EvaluateOptions& options = {});
nlohmann::json evaluate(LanguageModel& model, const std::vector<std::unique_ptr<Task>>& tasks,
                        const EvaluateOptions& options = {});
// Scores from the journal alone (options.journal required): every instance must be there, else a
// std::runtime_error says how many are missing. The model section is the journal's record of the
// model `options.model_fingerprint` names (may be empty when the journal holds one model).
nlohmann::json rescore_from_journal(const std::vector<const Task*>& tasks, const EvaluateOptions& options);

}  // namespace engram::tasks
