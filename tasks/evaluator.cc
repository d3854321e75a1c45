#include "tasks/evaluator.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "tasks/aggregate.h"
#include "tasks/crash_point.h"
#include "tasks/fingerprint.h"
#include "tasks/journal.h"

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
        throw std::invalid_argument("evaluate: task " + tasks[t]->name() + " given twice");
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

nlohmann::json run(LanguageModel* model, const std::vector<const Task*>& tasks, const EvaluateOptions& options,
                   const std::string& fingerprint, const nlohmann::json& model_description) {
  check_task_list(tasks);
  std::vector<std::vector<Instance>> instances;
  std::vector<std::vector<InstanceResponse>> responses;
  for (const Task* task : tasks) {
    instances.push_back(task->instances(options.limit));
    responses.emplace_back(instances.back().size());
    if (options.max_new_tokens) {
      for (Instance& inst : instances.back()) {
        inst.generation.max_new_tokens = std::min(inst.generation.max_new_tokens, *options.max_new_tokens);
      }
    }
  }
  if (options.journal && model) options.journal->record_model(fingerprint, model_description);

  size_t n_ll = 0, n_gen = 0, reused = 0, missing = 0;
  for (RequestType type : {RequestType::loglikelihood, RequestType::generate_until}) {
    const char* phase = to_string(type);
    std::vector<InstanceRef> pending;
    std::vector<std::string> keys;
    size_t total = 0, from_journal = 0;
    for (size_t t = 0; t < tasks.size(); ++t) {
      for (size_t i = 0; i < instances[t].size(); ++i) {
        const Instance& inst = instances[t][i];
        if (inst.type != type) continue;
        ++total;
        (type == RequestType::loglikelihood ? n_ll : n_gen) +=
            type == RequestType::loglikelihood ? inst.continuations.size() : 1;
        std::string key;
        if (options.journal) {
          key = journal_key(fingerprint, *tasks[t], inst);
          if (const InstanceResponse* done = options.journal->find(key)) {
            responses[t][i] = *done;
            ++from_journal;
            continue;
          }
        }
        pending.push_back({t, i});
        keys.push_back(std::move(key));
      }
    }
    reused += from_journal;
    if (total == 0) continue;
    if (!model) {
      missing += pending.size();
      continue;
    }
    // Longest prompts first, ties in task order: deterministic, and the peak memory comes first.
    std::vector<size_t> order(pending.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return instances[pending[a].task][pending[a].index].context.size() >
             instances[pending[b].task][pending[b].index].context.size();
    });
    size_t done = from_journal;
    if (options.progress) options.progress({phase, done, total, from_journal});
    const size_t chunk_size = std::max<size_t>(1, options.chunk_instances);
    for (size_t begin = 0; begin < order.size(); begin += chunk_size) {
      const size_t end = std::min(order.size(), begin + chunk_size);
      std::vector<const Instance*> chunk;
      std::vector<InstanceResponse*> out;
      for (size_t k = begin; k < end; ++k) {
        const InstanceRef& ref = pending[order[k]];
        chunk.push_back(&instances[ref.task][ref.index]);
        out.push_back(&responses[ref.task][ref.index]);
      }
      answer_chunk(*model, type, chunk, out);
      if (options.journal) {
        for (size_t k = begin; k < end; ++k) {
          const InstanceRef& ref = pending[order[k]];
          options.journal->append(keys[order[k]], *tasks[ref.task], instances[ref.task][ref.index],
                                  responses[ref.task][ref.index]);
        }
        options.journal->sync();
      }
      done += end - begin;
      if (options.progress) options.progress({phase, done, total, from_journal});
      crash_point(phase, done);
    }
  }
  if (missing > 0) {
    throw std::runtime_error(std::to_string(missing) + " instance(s) have no response in the journal " +
                             options.journal->path().string() + " (run eval with --resume to finish them)");
  }

  nlohmann::json results = nlohmann::json::object();
  nlohmann::json samples = nlohmann::json::object();
  nlohmann::json names = nlohmann::json::array();
  for (size_t t = 0; t < tasks.size(); ++t) {
    const Task& task = *tasks[t];
    if (options.progress) options.progress({"score", t, tasks.size(), 0});
    crash_point("score", t);
    const std::vector<SampleRecord> records = task.score_all(instances[t], responses[t]);
    nlohmann::json result = aggregate_results(task, records, options.limit);
    if (options.max_new_tokens && task.request_type() == RequestType::generate_until) {
      const nlohmann::json overrides = {{"max_new_tokens", *options.max_new_tokens}};
      result["protocol_overrides"] = overrides;
      result["fingerprint"] = fingerprint_of({{"task", result["fingerprint"]}, {"overrides", overrides}});
    }
    results[task.name()] = std::move(result);
    names.push_back(task.name());
    if (options.log_samples) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& r : records) list.push_back(r.to_json());
      samples[task.name()] = std::move(list);
    }
    // Responses are no longer needed once scored (HumanEval completions, BBH chains).
    std::vector<InstanceResponse>().swap(responses[t]);
  }
  if (options.progress) options.progress({"score", tasks.size(), tasks.size(), 0});

  nlohmann::json out = {{"schema", "engram-bench/task-eval/1"},
                        {"model", model_description},
                        {"model_fingerprint", fingerprint},
                        {"config", {{"limit", options.limit ? nlohmann::json(*options.limit) : nlohmann::json(nullptr)},
                                    {"tasks", names}}},
                        {"requests", {{"loglikelihood", n_ll}, {"generate_until", n_gen}}},
                        {"results", results}};
  if (options.journal) {
    out["journal"] = {{"path", options.journal->path().string()},
                      {"reused", reused},
                      {"torn_lines", options.journal->torn_lines()}};
  }
  if (options.log_samples) out["samples"] = samples;
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
