#include "tasks/task.h"

#include "tasks/fingerprint.h"
#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks {

const char* to_string(RequestType type) {
  return type == RequestType::loglikelihood ? "loglikelihood" : "generate_until";
}

std::vector<LoglikelihoodRequest> Instance::loglikelihood_requests() const {
  std::vector<LoglikelihoodRequest> out;
  out.reserve(continuations.size());
  for (const auto& c : continuations) out.push_back({context, c});
  return out;
}

nlohmann::json Instance::request_description() const {
  nlohmann::json out = {{"type", to_string(type)}};
  if (type == RequestType::loglikelihood) {
    out["continuations"] = continuations;
  } else {
    out["stop"] = generation.stop;
    out["max_new_tokens"] = generation.max_new_tokens;
    out["greedy"] = generation.greedy;
    if (!generation.greedy) {
      out["temperature"] = generation.temperature;
      out["top_p"] = generation.top_p;
      out["seed"] = generation.seed;
    }
  }
  return out;
}

GenerationRequest Instance::generation_request() const {
  GenerationRequest r = generation;
  r.context = context;
  return r;
}

nlohmann::json SampleRecord::to_json() const {
  nlohmann::json filtered_json = nlohmann::json::object();
  for (const auto& [filter, answer] : filtered) filtered_json[filter] = to_valid_utf8(answer);
  nlohmann::json metrics_json = nlohmann::json::object();
  for (const auto& m : metrics) metrics_json[m.metric + "," + m.filter] = m.value;
  return {{"doc_id", doc_id},
          {"subtask", subtask},
          {"doc_index", doc_index},
          {"prompt_hash", prompt_hash},
          {"request", request},
          {"target", to_valid_utf8(target)},
          {"response", response},
          {"filtered", filtered_json},
          {"metrics", metrics_json},
          {"flags",
           {{"unparseable", unparseable},
            {"truncated", truncated},
            {"hit_stop", hit_stop},
            {"prompt_truncated", prompt_truncated}}},
          {"tokens", tokens}};
}

nlohmann::json Task::full_protocol() const {
  nlohmann::json subs = nlohmann::json::object();
  for (const auto& s : subtasks()) subs[s] = subtask_protocol(s);
  return {{"task", protocol()}, {"subtasks", subs}};
}

std::string Task::fingerprint() const { return fingerprint_of(full_protocol()); }

std::string Task::subtask_fingerprint(const std::string& subtask) const {
  return fingerprint_of({{"task", protocol()}, {"subtask", subtask_protocol(subtask)}});
}

std::vector<SampleRecord> Task::score_all(const std::vector<Instance>& instances,
                                         const std::vector<InstanceResponse>& responses) const {
  std::vector<SampleRecord> records;
  records.reserve(instances.size());
  for (size_t i = 0; i < instances.size(); ++i) records.push_back(score(instances[i], responses[i]));
  return records;
}

SampleRecord SampleRecord::for_instance(const Instance& instance) {
  SampleRecord r;
  r.subtask = instance.subtask;
  r.doc_id = instance.doc_id;
  r.doc_index = instance.doc_index;
  r.prompt_hash = sha256_hex(instance.context);
  r.target = instance.target;
  r.request = instance.request_description();
  return r;
}

}  // namespace engram::tasks
