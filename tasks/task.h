#pragma once
// The Task interface: what every benchmark (BBH variants, MMLU, later HumanEval and RULER) gives the
// evaluator. A task owns its loaded documents and turns them into requests for the model interface
// (language_model.h), scores the model's responses into per-sample records, and describes its
// protocol canonically so that results carry a fingerprint of exactly how they were produced
// (template, few-shot selection, stop strings, extraction, metric, aggregation, version).
// Aggregation is shared by all tasks (aggregate.h); tasks only declare their metrics and groups.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/language_model.h"

namespace engram::tasks {

enum class RequestType { loglikelihood, generate_until };
const char* to_string(RequestType type);

// One document turned into what the model must answer.
struct Instance {
  std::string subtask;
  size_t doc_index = 0;  // position in the subtask's document list (file order)
  std::string doc_id;    // "<subtask>/<doc_index>"
  std::string context;   // the whole prompt
  std::string target;    // the gold answer as text
  RequestType type = RequestType::generate_until;
  // loglikelihood: one continuation per choice, all scored after `context`; `gold` indexes them.
  std::vector<std::string> continuations;
  size_t gold = 0;
  // generate_until: stop strings, budget and decoding; its `context` field is left empty here and
  // filled from `context` by generation_request().
  GenerationRequest generation;

  std::vector<LoglikelihoodRequest> loglikelihood_requests() const;
  GenerationRequest generation_request() const;
  // The request without its prompt: type, and stop strings, budget and sampling (generation) or
  // the continuations (log-likelihood). Sample logs record it; journal keys hash it.
  nlohmann::json request_description() const;
};

// What the model returned for one instance.
struct InstanceResponse {
  std::vector<LoglikelihoodResult> loglikelihoods;  // one per continuation
  GenerationResult generation;
};

struct MetricValue {
  std::string metric;  // "exact_match", "acc"
  std::string filter;  // the answer filter it was computed on ("get-answer", "none")
  double value = 0;
};

// One scored document. Serialised into the evaluator's "samples" (see evaluator.h for the JSON).
struct SampleRecord {
  std::string subtask;
  std::string doc_id;
  size_t doc_index = 0;
  std::string prompt_hash;  // SHA-256 (hex) of the context
  std::string target;
  nlohmann::json request;   // what the model was asked: type, and stop/budget/sampling or the continuations
  nlohmann::json response;  // generation: the raw text; loglikelihood: [{continuation, logprob, is_greedy, tokens}]
  std::vector<std::pair<std::string, std::string>> filtered;  // filter name -> extracted answer
  std::vector<MetricValue> metrics;
  bool unparseable = false;  // the primary filter extracted nothing (fallback or empty answer)
  bool truncated = false;    // generation hit max_new_tokens / the context limit
  bool hit_stop = false;     // generation ended on a stop string
  int64_t tokens = 0;        // generated tokens
  // The model cut the prompt (or a choice's context) on the left to fit its window: set by the
  // evaluator from the response, counted per task as counts.truncated_prompts.
  bool prompt_truncated = false;

  // A record identifying `instance` (subtask, ids, prompt hash, target), ready for its response.
  static SampleRecord for_instance(const Instance& instance);
  nlohmann::json to_json() const;
};

// A metric the task reports: aggregated by mean per subtask, by size-weighted mean over groups.
struct MetricSpec {
  std::string metric;
  std::string filter;
  bool higher_is_better = true;
  bool primary = false;  // the headline number (exactly one per task)
  std::string key() const { return metric + "," + filter; }  // lm-eval's "metric,filter" naming
};

// A named set of subtasks aggregated together (MMLU's categories).
struct SubtaskGroup {
  std::string name;
  std::string display_name;
  std::vector<std::string> subtasks;
};

class Task {
 public:
  virtual ~Task() = default;

  virtual std::string name() const = 0;     // registry name, e.g. "bbh_cot_fewshot"
  virtual std::string version() const = 0;  // our task version; bump whenever scores could change
  virtual RequestType request_type() const = 0;
  // Selected subtasks, in report order, and each one's full document count.
  virtual std::vector<std::string> subtasks() const = 0;
  virtual size_t subtask_size(const std::string& subtask) const = 0;
  // Requests for the first `limit` documents of each subtask (all when unset), subtask by subtask,
  // in file order, so quick runs are deterministic.
  virtual std::vector<Instance> instances(std::optional<size_t> limit = std::nullopt) const = 0;
  // Scores one instance's response.
  virtual SampleRecord score(const Instance& instance, const InstanceResponse& response) const = 0;
  // Scores a whole run at once; tasks whose scoring runs programs (HumanEval) override it to run
  // them in parallel. The default scores one by one. Records are in instance order.
  virtual std::vector<SampleRecord> score_all(const std::vector<Instance>& instances,
                                              const std::vector<InstanceResponse>& responses) const;
  virtual std::vector<MetricSpec> metrics() const = 0;
  // Groups reported besides the whole task (empty for BBH; MMLU's four categories).
  virtual std::vector<SubtaskGroup> groups() const { return {}; }
  // Subtasks left out of a whole-task selection, with the reason (RULER's QA without its files):
  // reports list them as skipped rather than silently scoring fewer subtasks.
  virtual std::vector<std::pair<std::string, std::string>> skipped_subtasks() const { return {}; }

  // Canonical protocol description: everything that changes what a score means. `protocol()` is
  // the task-wide part; `subtask_protocol()` adds the subtask's data-dependent part (its
  // description and few-shot block hashes).
  virtual nlohmann::json protocol() const = 0;
  virtual nlohmann::json subtask_protocol(const std::string& subtask) const = 0;

  // The full description: {"task": protocol(), "subtasks": {name: subtask_protocol(name)}}.
  nlohmann::json full_protocol() const;
  // SHA-256 of the canonical JSON of full_protocol() / of {"task", "subtask"} for one subtask.
  std::string fingerprint() const;
  std::string subtask_fingerprint(const std::string& subtask) const;
};

}  // namespace engram::tasks
