#include "tasks/evaluator.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "tasks/aggregate.h"
#include "tasks/crash_point.h"
#include "tasks/fingerprint.h"
#include "tasks/journal.h"
#include "tasks/request_sharing.h"

namespace engram::tasks {
namespace {

struct InstanceRef {
  size_t task;
  size_t index;
};

void check_task_list(const std::vector<const Task*>& tasks) {
  for (size_t t = 0; t < tasks.size(); ++t) {
    if (tasks[t] == nullptr) throw std::invalid_argument("evaluate: null task");
    for (size_t u = 0; u < t; ++u) {
      if (tasks[u]->name() == tasks[t]->name()) {
        const std::string& name = tasks[t]->name();
        throw std::invalid_argument("evaluate: task " + name + " given twice (several of its subtasks go in one entry, joined by '+': " +
                                    name + ":first+second)");
      }
    }
  }
}

// Runs one chunk of instances of one request type through the model and stores the responses.
void answer_chunk(LanguageModel& model, RequestType type, const std::vector<const Instance*>& chunk,
                  std::vector<InstanceResponse*>& out) {
  if (type == RequestType::loglikelihood) {
    std::vector<LoglikelihoodRequest> requests;
    for (const Instance* inst : chunk) {
      for (auto& r : inst->loglikelihood_requests()) requests.push_back(std::move(r));
    }
    const std::vector<LoglikelihoodResult> results = model.loglikelihood(requests);
    if (results.size() != requests.size()) {
      throw std::runtime_error("model returned " + std::to_string(results.size()) + " log-likelihoods for " +
                               std::to_string(requests.size()) + " requests");
    }
    size_t next = 0;
    for (size_t i = 0; i < chunk.size(); ++i) {
      const size_t n = chunk[i]->continuations.size();
      out[i]->loglikelihoods.assign(results.begin() + static_cast<std::ptrdiff_t>(next),
                                    results.begin() + static_cast<std::ptrdiff_t>(next + n));
      next += n;
    }
  } else {
    std::vector<GenerationRequest> requests;
    for (const Instance* inst : chunk) requests.push_back(inst->generation_request());
    const std::vector<GenerationResult> results = model.generate_until(requests);
    if (results.size() != requests.size()) {
      throw std::runtime_error("model returned " + std::to_string(results.size()) + " generations for " +
                               std::to_string(requests.size()) + " requests");
    }
    for (size_t i = 0; i < chunk.size(); ++i) out[i]->generation = results[i];
  }
}

// Every task's instances (generation budgets capped as options say) and a response slot for each.
struct Workload {
  std::vector<std::vector<Instance>> instances;  // [task][instance]
  std::vector<std::vector<InstanceResponse>> responses;

  Workload(const std::vector<const Task*>& tasks, const EvaluateOptions& options) {
    for (const Task* task : tasks) {
      instances.push_back(task->instances(options.limit));
      responses.emplace_back(instances.back().size());
      if (!options.max_new_tokens) continue;
      for (Instance& inst : instances.back()) {
        inst.generation.max_new_tokens = std::min(inst.generation.max_new_tokens, *options.max_new_tokens);
      }
    }
  }
  const Instance& instance(const InstanceRef& ref) const { return instances[ref.task][ref.index]; }
  InstanceResponse& response(const InstanceRef& ref) { return responses[ref.task][ref.index]; }
};

struct RequestCounts {
  size_t loglikelihood = 0;   // requests, one per continuation
  size_t generate_until = 0;
  size_t reused = 0;          // instances answered by the journal
  double reused_model_seconds = 0;  // what those answers cost the runs that wrote them
  size_t reused_untimed = 0;        // reused answers whose journal line has no model_seconds
  size_t missing = 0;         // instances a rescore found no answer for
};

// What a reused answer cost the run that journaled it, where its line says.
void count_model_seconds(const Journal& journal, const std::string& key, RequestCounts& counts) {
  if (const std::optional<double> seconds = journal.model_seconds(key)) {
    counts.reused_model_seconds += *seconds;
  } else {
    ++counts.reused_untimed;
  }
}

// The instances of one request type that the journal did not answer, with their journal keys.
struct PendingInstances {
  std::vector<InstanceRef> refs;
  std::vector<std::string> keys;
  size_t total = 0;         // instances of this type, answered or not
  size_t from_journal = 0;
};

PendingInstances take_answers_from_journal(RequestType type, const std::vector<const Task*>& tasks, Workload& work,
                                           const EvaluateOptions& options, const std::string& fingerprint,
                                           RequestCounts& counts) {
  PendingInstances pending;
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (size_t i = 0; i < work.instances[t].size(); ++i) {
      const Instance& inst = work.instances[t][i];
      if (inst.type != type) continue;
      ++pending.total;
      if (type == RequestType::loglikelihood) {
        counts.loglikelihood += inst.continuations.size();
      } else {
        ++counts.generate_until;
      }
      std::string key;
      if (options.journal) {
        key = journal_key(fingerprint, *tasks[t], inst);
        if (const InstanceResponse* done = options.journal->find(key)) {
          work.responses[t][i] = *done;
          ++pending.from_journal;
          count_model_seconds(*options.journal, key, counts);
          continue;
        }
        options.journal->sync();
      }
      pending.refs.push_back({t, i});
      pending.keys.push_back(std::move(key));
    }
  }
  counts.reused += pending.from_journal;
  return pending;
}

// Siblings together: the instances of one subtask (which share its few-shot prompt, so an engine
// computes that prefix once per call) are adjacent, longest prompt first; subtasks by their longest
// prompt, ties in task order. Deterministic, and the peak memory still comes first.
std::vector<size_t> siblings_together_longest_first(const PendingInstances& pending, const Workload& work) {
  std::map<std::pair<size_t, std::string>, size_t> longest_in_subtask;
  for (const InstanceRef& ref : pending.refs) {
    size_t& longest = longest_in_subtask[{ref.task, work.instance(ref).subtask}];
    longest = std::max(longest, work.instance(ref).context.size());
  }
  const auto group_length = [&](const InstanceRef& ref) {
    return longest_in_subtask.at({ref.task, work.instance(ref).subtask});
  };
  std::vector<size_t> order(pending.refs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const InstanceRef& x = pending.refs[a];
    const InstanceRef& y = pending.refs[b];
    if (group_length(x) != group_length(y)) return group_length(x) > group_length(y);
    if (x.task != y.task) return x.task < y.task;
    const std::string& subtask_x = work.instance(x).subtask;
    const std::string& subtask_y = work.instance(y).subtask;
    if (subtask_x != subtask_y) return subtask_x < subtask_y;
    return work.instance(x).context.size() > work.instance(y).context.size();
  });
  return order;
}

// Sends the pending instances to the model chunk by chunk, appending each chunk's answers to the
// journal as soon as it is done, so that a crash loses at most one chunk.
void answer_in_chunks(LanguageModel& model, RequestType type, const std::vector<const Task*>& tasks,
                      const PendingInstances& pending, Workload& work, const EvaluateOptions& options) {
  const char* phase = to_string(type);
  const std::vector<size_t> order = siblings_together_longest_first(pending, work);
  size_t done = pending.from_journal;
  if (options.progress) options.progress({phase, done, pending.total, pending.from_journal});
  const size_t chunk_size = std::max<size_t>(1, options.chunk_instances);
  for (size_t begin = 0; begin < order.size(); begin += chunk_size) {
    const size_t end = std::min(order.size(), begin + chunk_size);
    std::vector<const Instance*> chunk;
    std::vector<InstanceResponse*> out;
    for (size_t k = begin; k < end; ++k) {
      chunk.push_back(&work.instance(pending.refs[order[k]]));
      out.push_back(&work.response(pending.refs[order[k]]));
    }
    const auto started = std::chrono::steady_clock::now();
    answer_chunk(model, type, chunk, out);
    const double share = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() /
                         static_cast<double>(end - begin);
    if (options.journal) {
      for (size_t k = begin; k < end; ++k) {
        const InstanceRef& ref = pending.refs[order[k]];
        options.journal->append(pending.keys[order[k]], *tasks[ref.task], work.instance(ref), work.response(ref), share);
      }
    }
    done += end - begin;
    if (options.progress) options.progress({phase, done, pending.total, pending.from_journal});
    crash_point(phase, done);
  }
}

// Every instance of `type` with its journal key, in task order: the same list in every process.
struct TypedInstances {
  std::vector<InstanceRef> refs;
  std::vector<std::string> keys;
};

TypedInstances instances_of_type(RequestType type, const std::vector<const Task*>& tasks, const Workload& work,
                                 const std::string& fingerprint, RequestCounts& counts) {
  TypedInstances all;
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (size_t i = 0; i < work.instances[t].size(); ++i) {
      const Instance& inst = work.instances[t][i];
      if (inst.type != type) continue;
      if (type == RequestType::loglikelihood) {
        counts.loglikelihood += inst.continuations.size();
      } else {
        ++counts.generate_until;
      }
      all.refs.push_back({t, i});
      all.keys.push_back(journal_key(fingerprint, *tasks[t], inst));
    }
  }
  return all;
}

// The scoring process's part of a shared type: the others' answers go into its responses and its
// journal, so that its journal alone can resume or rescore the run.
void take_collected_answers(std::vector<std::pair<std::string, InstanceResponse>> collected, const TypedInstances& all,
                            const std::vector<const Task*>& tasks, Workload& work, const EvaluateOptions& options) {
  std::unordered_map<std::string, size_t> index;
  for (size_t k = 0; k < all.keys.size(); ++k) index.emplace(all.keys[k], k);
  for (auto& [key, response] : collected) {
    const auto it = index.find(key);
    if (it == index.end()) {
      throw std::runtime_error("data-parallel run: a rank answered an instance this process does not have (key " +
                               key + "): do all ranks run the same tasks and data?");
    }
    const InstanceRef& ref = all.refs[it->second];
    work.response(ref) = std::move(response);
    if (options.journal) options.journal->append(key, *tasks[ref.task], work.instance(ref), work.response(ref));
  }
  if (options.journal) options.journal->sync();
}

// Data parallelism (request_sharing.h): this process answers its share of `type` (from its
// journals, else the model); the scoring process collects the rest.
void answer_shared(LanguageModel& model, RequestType type, const std::vector<const Task*>& tasks, Workload& work,
                   const EvaluateOptions& options, const std::string& fingerprint, RequestCounts& counts) {
  const TypedInstances all = instances_of_type(type, tasks, work, fingerprint, counts);
  if (all.refs.empty()) return;
  std::vector<SharedInstance> offered;
  for (size_t k = 0; k < all.refs.size(); ++k) {
    offered.push_back({tasks[all.refs[k].task], &work.instance(all.refs[k]), &all.keys[k],
                       options.journal != nullptr && options.journal->find(all.keys[k]) != nullptr});
  }
  const std::vector<bool> mine = options.sharing->assign(type, offered);
  PendingInstances pending;
  for (size_t k = 0; k < all.refs.size(); ++k) {
    if (!mine.at(k)) continue;
    ++pending.total;
    if (offered[k].answered) {
      work.response(all.refs[k]) = *options.journal->find(all.keys[k]);
      ++pending.from_journal;
      count_model_seconds(*options.journal, all.keys[k], counts);
      continue;
    }
    pending.refs.push_back(all.refs[k]);
    pending.keys.push_back(all.keys[k]);
  }
  counts.reused += pending.from_journal;
  answer_in_chunks(model, type, tasks, pending, work, options);
  std::vector<std::pair<std::string, const InstanceResponse*>> answers;
  for (size_t k = 0; k < all.refs.size(); ++k) {
    if (mine[k]) answers.emplace_back(all.keys[k], &work.response(all.refs[k]));
  }
  const size_t answered_here = answers.size();
  std::vector<std::pair<std::string, InstanceResponse>> collected = options.sharing->collect(type, answers);
  if (!options.sharing->scores()) return;
  if (answered_here + collected.size() != all.refs.size()) {
    throw std::runtime_error("data-parallel run: " + std::to_string(answered_here + collected.size()) + " of " +
                             std::to_string(all.refs.size()) + " " + to_string(type) + " instances were answered");
  }
  take_collected_answers(std::move(collected), all, tasks, work, options);
}

// Fills every response, from the journal or the model (none: a rescore, which counts what is missing).
RequestCounts answer_all(LanguageModel* model, const std::vector<const Task*>& tasks, Workload& work,
                         const EvaluateOptions& options, const std::string& fingerprint) {
  RequestCounts counts;
  for (RequestType type : {RequestType::loglikelihood, RequestType::generate_until}) {
    if (options.sharing && model) {
      answer_shared(*model, type, tasks, work, options, fingerprint, counts);
      continue;
    }
    const PendingInstances pending = take_answers_from_journal(type, tasks, work, options, fingerprint, counts);
    if (pending.total == 0) continue;
    if (model) {
      answer_in_chunks(*model, type, tasks, pending, work, options);
    } else {
      counts.missing += pending.refs.size();
    }
  }
  return counts;
}

bool prompt_was_truncated(const InstanceResponse& response) {
  if (response.generation.prompt_truncated) return true;
  return std::any_of(response.loglikelihoods.begin(), response.loglikelihoods.end(),
                     [](const LoglikelihoodResult& r) { return r.prompt_truncated; });
}

struct ScoredTasks {
  nlohmann::json results = nlohmann::json::object();
  nlohmann::json samples = nlohmann::json::object();
  nlohmann::json names = nlohmann::json::array();
};

nlohmann::json score_task(const Task& task, const std::vector<SampleRecord>& records, const EvaluateOptions& options) {
  nlohmann::json result = aggregate_results(task, records, options.limit);
  if (options.max_new_tokens && task.request_type() == RequestType::generate_until) {
    const nlohmann::json overrides = {{"max_new_tokens", *options.max_new_tokens}};
    result["protocol_overrides"] = overrides;
    result["fingerprint"] = fingerprint_of({{"task", result["fingerprint"]}, {"overrides", overrides}});
  }
  return result;
}

ScoredTasks score_tasks(const std::vector<const Task*>& tasks, Workload& work, const EvaluateOptions& options) {
  ScoredTasks scored;
  for (size_t t = 0; t < tasks.size(); ++t) {
    const Task& task = *tasks[t];
    if (options.progress) options.progress({"score", t, tasks.size(), 0});
    crash_point("score", t);
    std::vector<SampleRecord> records = task.score_all(work.instances[t], work.responses[t]);
    for (size_t i = 0; i < records.size(); ++i) records[i].prompt_truncated = prompt_was_truncated(work.responses[t][i]);
    scored.results[task.name()] = score_task(task, records, options);
    scored.names.push_back(task.name());
    if (options.log_samples) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& r : records) list.push_back(r.to_json());
      scored.samples[task.name()] = std::move(list);
    }
    // Responses are no longer needed once scored (HumanEval completions, BBH chains).
    std::vector<InstanceResponse>().swap(work.responses[t]);
  }
  if (options.progress) options.progress({"score", tasks.size(), tasks.size(), 0});
  return scored;
}

nlohmann::json run(LanguageModel* model, const std::vector<const Task*>& tasks, const EvaluateOptions& options,
                   const std::string& fingerprint, const nlohmann::json& model_description) {
  check_task_list(tasks);
  Workload work(tasks, options);
  if (options.journal && model) options.journal->record_model(fingerprint, model_description);
  const RequestCounts counts = answer_all(model, tasks, work, options, fingerprint);
  if (counts.missing > 0) {
    throw std::runtime_error(std::to_string(counts.missing) + " instance(s) have no response in the journal " +
                             options.journal->path().string() + " (run eval with --resume to finish them)");
  }
  if (options.sharing && !options.sharing->scores()) {
    return {{"schema", "engram-bench/task-eval/1"}, {"scored", false}, {"model_fingerprint", fingerprint}};
  }
  ScoredTasks scored = score_tasks(tasks, work, options);

  nlohmann::json out = {{"schema", "engram-bench/task-eval/1"},
                        {"model", model_description},
                        {"model_fingerprint", fingerprint},
                        {"config", {{"limit", options.limit ? nlohmann::json(*options.limit) : nlohmann::json(nullptr)},
                                    {"tasks", scored.names}}},
                        {"requests", {{"loglikelihood", counts.loglikelihood}, {"generate_until", counts.generate_until}}},
                        {"results", std::move(scored.results)}};
  if (options.journal) {
    out["journal"] = {{"path", options.journal->path().string()},
                      {"reused", counts.reused},
                      {"reused_model_seconds", counts.reused_model_seconds},
                      {"reused_untimed", counts.reused_untimed},
                      {"torn_lines", options.journal->torn_lines()}};
  }
  if (options.log_samples) out["samples"] = std::move(scored.samples);
  return out;
}

}  // namespace

std::string model_fingerprint(const LanguageModel& model) {
  nlohmann::json description = model.describe();
  // What differs between runs of the same weights: the batch size, and whether the checkpoint's
  // digest came from its cache.
  if (description.is_object()) description.erase("batch_size");
  if (description.contains("checkpoint_identity") && description["checkpoint_identity"].is_object()) {
    description["checkpoint_identity"].erase("source");
  }
  return fingerprint_of(description);
}

nlohmann::json evaluate(LanguageModel& model, const std::vector<const Task*>& tasks, const EvaluateOptions& options) {
  const std::string fingerprint = options.model_fingerprint.empty() ? model_fingerprint(model) : options.model_fingerprint;
  return run(&model, tasks, options, fingerprint, model.describe());
}

nlohmann::json evaluate(LanguageModel& model, const std::vector<std::unique_ptr<Task>>& tasks,
                        const EvaluateOptions& options) {
  std::vector<const Task*> raw;
  for (const auto& t : tasks) raw.push_back(t.get());
  return evaluate(model, raw, options);
}

nlohmann::json rescore_from_journal(const std::vector<const Task*>& tasks, const EvaluateOptions& options) {
  if (!options.journal) throw std::invalid_argument("rescore_from_journal: no journal given");
  const auto& models = options.journal->models();
  std::string fingerprint = options.model_fingerprint;
  if (fingerprint.empty()) {
    if (models.size() != 1) {
      throw std::invalid_argument(options.journal->path().string() + " holds " + std::to_string(models.size()) +
                                  " models; name one by its fingerprint");
    }
    fingerprint = models.begin()->first;
  }
  const auto it = models.find(fingerprint);
  if (it == models.end()) {
    throw std::invalid_argument(options.journal->path().string() + " has no model with fingerprint " + fingerprint);
  }
  return run(nullptr, tasks, options, fingerprint, it->second);
}

}  // namespace engram::tasks
