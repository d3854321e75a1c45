#include "tasks/mmlu_task.h"

#include <stdexcept>

#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks {
namespace {

std::string subject_words(const std::string& subject) {
  std::string out = subject;
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return out;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

MmluTask::MmluTask(MmluTaskConfig config, std::vector<MmluSubjectData> data) : config_(std::move(config)) {
  if (config_.choice_labels.size() != 4) throw std::invalid_argument("MMLU needs exactly 4 choice labels");
  for (auto& d : data) {
    if (config_.num_fewshot > d.dev.questions.size()) {
      throw std::invalid_argument(d.dev.path + ": " + std::to_string(d.dev.questions.size()) +
                                  " dev rows, but the protocol takes " + std::to_string(config_.num_fewshot));
    }
    Subject s;
    s.prefix = replace_all(config_.description_template, "{subject}", subject_words(d.subject));
    for (size_t i = 0; i < config_.num_fewshot; ++i) {
      const auto& q = d.dev.questions[i];
      s.prefix += doc_to_text(q) + config_.target_delimiter + config_.choice_labels[static_cast<size_t>(q.answer)] +
                  config_.fewshot_delimiter;
    }
    s.data = std::move(d);
    subjects_.push_back(std::move(s));
  }
}

std::string MmluTask::doc_to_text(const MmluQuestion& q) const {
  std::string out = py_strip(q.question);
  for (size_t c = 0; c < 4; ++c) out += "\n" + config_.choice_labels[c] + config_.choice_separator + q.choices[c];
  out += "\n" + config_.answer_prompt;
  return out;
}

const MmluTask::Subject& MmluTask::find(const std::string& subject) const {
  for (const auto& s : subjects_) {
    if (s.data.subject == subject) return s;
  }
  throw std::invalid_argument("task " + config_.name + " has no subject '" + subject + "'");
}

std::vector<std::string> MmluTask::subtasks() const {
  std::vector<std::string> out;
  for (const auto& s : subjects_) out.push_back(s.data.subject);
  return out;
}

size_t MmluTask::subtask_size(const std::string& subtask) const { return find(subtask).data.test.questions.size(); }

std::string MmluTask::render_prompt(const std::string& subject, const MmluQuestion& q) const {
  return find(subject).prefix + doc_to_text(q);
}

std::vector<Instance> MmluTask::instances(std::optional<size_t> limit) const {
  std::vector<Instance> out;
  for (const auto& s : subjects_) {
    const auto& qs = s.data.test.questions;
    const size_t n = limit ? std::min(*limit, qs.size()) : qs.size();
    for (size_t i = 0; i < n; ++i) {
      Instance inst;
      inst.subtask = s.data.subject;
      inst.doc_index = i;
      inst.doc_id = s.data.subject + "/" + std::to_string(i);
      inst.context = s.prefix + doc_to_text(qs[i]);
      inst.type = RequestType::loglikelihood;
      for (const auto& label : config_.choice_labels) inst.continuations.push_back(config_.target_delimiter + label);
      inst.gold = static_cast<size_t>(qs[i].answer);
      inst.target = config_.choice_labels[inst.gold];
      out.push_back(std::move(inst));
    }
  }
  return out;
}

SampleRecord MmluTask::score(const Instance& instance, const InstanceResponse& response) const {
  if (response.loglikelihoods.size() != instance.continuations.size()) {
    throw std::runtime_error(instance.doc_id + ": expected " + std::to_string(instance.continuations.size()) +
                             " log-likelihoods, got " + std::to_string(response.loglikelihoods.size()));
  }
  SampleRecord r = SampleRecord::for_instance(instance);
  r.response = nlohmann::json::array();
  size_t best = 0;
  for (size_t c = 0; c < response.loglikelihoods.size(); ++c) {
    const auto& ll = response.loglikelihoods[c];
    r.response.push_back({{"continuation", instance.continuations[c]},
                          {"logprob", ll.logprob},
                          {"is_greedy", ll.is_greedy},
                          {"tokens", ll.tokens}});
    // numpy.argmax: the first maximum wins ties.
    if (ll.logprob > response.loglikelihoods[best].logprob) best = c;
  }
  r.filtered.emplace_back("none", config_.choice_labels[best]);
  r.metrics.push_back({"acc", "none", best == instance.gold ? 1.0 : 0.0});
  return r;
}

std::vector<MetricSpec> MmluTask::metrics() const { return {{"acc", "none", true, true}}; }

std::vector<SubtaskGroup> MmluTask::groups() const {
  std::vector<SubtaskGroup> out;
  for (const auto& c : mmlu_categories()) out.push_back({c.name, c.display_name, c.subjects});
  return out;
}

nlohmann::json MmluTask::protocol() const {
  return {
      {"task", config_.name},
      {"version", config_.version},
      {"reference", config_.reference},
      {"output_type", "multiple_choice (loglikelihood)"},
      {"template",
       {{"description", config_.description_template},
        {"subject_format", "underscores replaced by single spaces"},
        {"doc_to_text", "{question.strip()}\\n" + config_.choice_labels[0] + config_.choice_separator + "{choice0}\\n" +
                            config_.choice_labels[1] + config_.choice_separator + "{choice1}\\n" +
                            config_.choice_labels[2] + config_.choice_separator + "{choice2}\\n" +
                            config_.choice_labels[3] + config_.choice_separator + "{choice3}\\n" +
                            config_.answer_prompt},
        {"target_delimiter", config_.target_delimiter},
        {"fewshot_delimiter", config_.fewshot_delimiter}}},
      {"fewshot", {{"split", "dev"}, {"sampler", "first_n"}, {"num_fewshot", config_.num_fewshot}}},
      {"choices", config_.choice_labels},
      {"scoring", "loglikelihood of target_delimiter + label after the prompt; prediction = first argmax"},
      {"metric", {{"metric", "acc"}, {"aggregation", "mean"}}},
      {"aggregation",
       {{"subtask", "mean; stderr = sample std (ddof=1) / sqrt(n)"},
        {"groups", "stem, humanities, social_sciences, other: size-weighted mean over subjects; pooled stderr"},
        {"task", "size-weighted mean over all subjects (micro); pooled stderr over subjects"}}},
  };
}

nlohmann::json MmluTask::subtask_protocol(const std::string& subtask) const {
  const auto& s = find(subtask);
  return {{"prefix_sha256", sha256_hex(s.prefix)}, {"category", mmlu_category_of(subtask)}};
}

}  // namespace engram::tasks
