#include "tasks/evaluator.h"

#include <stdexcept>
#include <string>

#include "tasks/aggregate.h"

namespace engram::tasks {

nlohmann::json evaluate(LanguageModel& model, const std::vector<const Task*>& tasks, const EvaluateOptions& options) {
  // Build every task's instances first, then flatten their requests by kind.
  std::vector<std::vector<Instance>> instances;
  std::vector<LoglikelihoodRequest> ll_requests;
  std::vector<GenerationRequest> gen_requests;
  struct Slot {
    size_t first;  // index of the instance's first request in its kind's batch
  };
  std::vector<std::vector<Slot>> slots;
  // Check the task list before any model time is spent.
  for (size_t t = 0; t < tasks.size(); ++t) {
    if (tasks[t] == nullptr) throw std::invalid_argument("evaluate: null task");
    for (size_t u = 0; u < t; ++u) {
      if (tasks[u] && tasks[u]->name() == tasks[t]->name()) {
        throw std::invalid_argument("evaluate: task " + tasks[t]->name() + " given twice");
      }
    }
  }
  for (const Task* task : tasks) {
    instances.push_back(task->instances(options.limit));
    auto& task_slots = slots.emplace_back();
    for (const auto& inst : instances.back()) {
      if (inst.type == RequestType::loglikelihood) {
        task_slots.push_back({ll_requests.size()});
        for (auto& r : inst.loglikelihood_requests()) ll_requests.push_back(std::move(r));
      } else {
        task_slots.push_back({gen_requests.size()});
        gen_requests.push_back(inst.generation_request());
      }
    }
  }

  std::vector<LoglikelihoodResult> ll_results;
  std::vector<GenerationResult> gen_results;
  if (!ll_requests.empty()) {
    ll_results = model.loglikelihood(ll_requests);
    if (ll_results.size() != ll_requests.size()) {
      throw std::runtime_error("model returned " + std::to_string(ll_results.size()) + " log-likelihoods for " +
                               std::to_string(ll_requests.size()) + " requests");
    }
  }
  if (!gen_requests.empty()) {
    gen_results = model.generate_until(gen_requests);
    if (gen_results.size() != gen_requests.size()) {
      throw std::runtime_error("model returned " + std::to_string(gen_results.size()) + " generations for " +
                               std::to_string(gen_requests.size()) + " requests");
    }
  }
  // The request copies (4 contexts per MMLU question) are no longer needed: free them before scoring.
  std::vector<LoglikelihoodRequest>().swap(ll_requests);
  std::vector<GenerationRequest>().swap(gen_requests);

  nlohmann::json results = nlohmann::json::object();
  nlohmann::json samples = nlohmann::json::object();
  nlohmann::json names = nlohmann::json::array();
  for (size_t t = 0; t < tasks.size(); ++t) {
    const Task& task = *tasks[t];
    std::vector<InstanceResponse> responses;
    responses.reserve(instances[t].size());
    for (size_t i = 0; i < instances[t].size(); ++i) {
      const auto& inst = instances[t][i];
      InstanceResponse response;
      if (inst.type == RequestType::loglikelihood) {
        const size_t first = slots[t][i].first;
        response.loglikelihoods.assign(ll_results.begin() + static_cast<std::ptrdiff_t>(first),
                                       ll_results.begin() + static_cast<std::ptrdiff_t>(first + inst.continuations.size()));
      } else {
        response.generation = gen_results[slots[t][i].first];
      }
      responses.push_back(std::move(response));
    }
    const std::vector<SampleRecord> records = task.score_all(instances[t], responses);
    results[task.name()] = aggregate_results(task, records, options.limit);
    names.push_back(task.name());
    if (options.log_samples) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& r : records) list.push_back(r.to_json());
      samples[task.name()] = std::move(list);
    }
  }

  size_t n_ll = 0, n_gen = 0;
  for (const auto& list : instances) {
    for (const auto& inst : list) {
      if (inst.type == RequestType::loglikelihood) {
        n_ll += inst.continuations.size();
      } else {
        ++n_gen;
      }
    }
  }
  nlohmann::json out = {{"schema", "engram-bench/task-eval/1"},
                        {"model", model.describe()},
                        {"config", {{"limit", options.limit ? nlohmann::json(*options.limit) : nlohmann::json(nullptr)},
                                    {"tasks", names}}},
                        {"requests", {{"loglikelihood", n_ll}, {"generate_until", n_gen}}},
                        {"results", results}};
  if (options.log_samples) out["samples"] = samples;
  return out;
}

nlohmann::json evaluate(LanguageModel& model, const std::vector<std::unique_ptr<Task>>& tasks,
                        const EvaluateOptions& options) {
  std::vector<const Task*> raw;
  for (const auto& t : tasks) raw.push_back(t.get());
  return evaluate(model, raw, options);
}

}  // namespace engram::tasks
