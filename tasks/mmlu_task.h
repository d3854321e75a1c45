#pragma once
// MMLU as lm-evaluation-harness's default `mmlu` task runs it with --num_fewshot 5:
//   "The following are multiple choice questions (with answers) about {subject, '_' -> ' '}.\n\n"
//   + 5 dev rows (first_n), each "{question.strip()}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer: {X}\n\n"
//   + the test row, ending in "\nAnswer:".
// The four choices are scored as the log-likelihood of " A", " B", " C", " D" (target delimiter
// " "); the prediction is the first argmax; acc per subject, then example-weighted (micro) means over
// the four categories and over all 14,042 questions, with lm-eval's pooled stderr.
// (Hendrycks' own evaluate.py differs: two spaces after "about", and k reduced when the prompt is
// too long. We follow lm-eval; the fingerprint says so.)

#include <string>
#include <vector>

#include "tasks/mmlu_data.h"
#include "tasks/task.h"

namespace engram::tasks {

struct MmluTaskConfig {
  std::string name = "mmlu";
  std::string version = "1";
  std::string reference = "lm-evaluation-harness mmlu (default, multiple_choice) with --num_fewshot 5";
  std::string description_template =
      "The following are multiple choice questions (with answers) about {subject}.\n\n";  // '_' -> ' ' in subject
  size_t num_fewshot = 5;  // first_n rows of the dev split
  std::vector<std::string> choice_labels = {"A", "B", "C", "D"};
  std::string choice_separator = ". ";  // "A. text"
  std::string answer_prompt = "Answer:";
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
};

class MmluTask : public Task {
 public:
  MmluTask(MmluTaskConfig config, std::vector<MmluSubjectData> data);

  std::string name() const override { return config_.name; }
  std::string version() const override { return config_.version; }
  RequestType request_type() const override { return RequestType::loglikelihood; }
  std::vector<std::string> subtasks() const override;
  size_t subtask_size(const std::string& subtask) const override;
  std::vector<Instance> instances(std::optional<size_t> limit) const override;
  SampleRecord score(const Instance& instance, const InstanceResponse& response) const override;
  std::vector<MetricSpec> metrics() const override;
  std::vector<SubtaskGroup> groups() const override;
  nlohmann::json protocol() const override;
  nlohmann::json subtask_protocol(const std::string& subtask) const override;

  // lm-eval's doc_to_text: the question (stripped), the four labelled choices, "Answer:".
  std::string doc_to_text(const MmluQuestion& q) const;
  // The full prompt for one test question of a subject.
  std::string render_prompt(const std::string& subject, const MmluQuestion& q) const;
  const MmluTaskConfig& config() const { return config_; }

 private:
  struct Subject {
    MmluSubjectData data;
    std::string prefix;  // description + few-shot block
  };
  const Subject& find(const std::string& subject) const;

  MmluTaskConfig config_;
  std::vector<Subject> subjects_;
};

}  // namespace engram::tasks
