#pragma once
// Helpers for the report tests: a real evaluator output from small synthetic tasks (made-up BBH
// and MMLU data from the task tests, answered by an oracle that is right on a known pattern), and
// the context and model sections that go with it.

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "../tasks/tasks_test_util.h"
#include "harness/report/report_context.h"
#include "tasks/bbh_task.h"
#include "tasks/evaluator.h"
#include "tasks/mmlu_task.h"
#include "tasks/oracle_model.h"

namespace engram::report::testing {

inline tasks::BbhSubtaskData synthetic_bbh_subtask(const std::string& name) { return tasks::testing::fruit(name); }

// A whole file as text.
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Questions whose answers cycle A, B, C, D from the first test question on: i % 4 over i = 5, 6, ...
inline tasks::MmluSubjectData synthetic_mmlu_subject(const std::string& name, size_t n) {
  tasks::MmluSubjectData d;
  d.subject = name;
  for (size_t i = 0; i < 5 + n; ++i) {
    tasks::MmluQuestion q;
    q.question = name + " question " + std::to_string(i);
    for (int c = 0; c < 4; ++c) q.choices[c] = "choice " + std::to_string(c);
    q.answer = static_cast<int>(i % 4);
    (i < 5 ? d.dev : d.test).questions.push_back(q);
  }
  return d;
}

// tasks::evaluate's output for BBH (subtasks alpha and beta, 3 documents each; the oracle answers
// even documents right and odd ones with text that has no answer) and MMLU (anatomy with 6 and
// philosophy with 4 questions; the oracle always answers " A").
inline nlohmann::json synthetic_evaluation(bool log_samples = true) {
  const tasks::BbhTask bbh(tasks::bbh_config(tasks::BbhVariant::cot_fewshot),
                           {synthetic_bbh_subtask("alpha"), synthetic_bbh_subtask("beta")});
  const tasks::MmluTask mmlu(tasks::MmluTaskConfig{},
                             {synthetic_mmlu_subject("anatomy", 6), synthetic_mmlu_subject("philosophy", 4)});
  auto generations = std::make_shared<std::unordered_map<std::string, std::string>>();
  for (const auto& instance : bbh.instances(std::nullopt)) {
    (*generations)[instance.context] =
        instance.doc_index % 2 == 0 ? "So the answer is " + instance.target + "." : "I am not sure.";
  }
  tasks::OracleModel model([](const std::string&) { return std::optional<std::string>(" A"); },
                           [generations](const std::string& context) -> std::optional<std::string> {
                             return generations->at(context);
                           });
  tasks::EvaluateOptions options;
  options.log_samples = log_samples;
  return tasks::evaluate(model, std::vector<const tasks::Task*>{&bbh, &mmlu}, options);
}

inline ReportContext test_context() {
  ContextInputs inputs;
  inputs.command_line = {"engram-bench", "eval", "--model", "oracle"};
  inputs.threads = 2;
  inputs.seeds = {{"weights", 0}, {"sampling", 7}};
  return collect_report_context(inputs);
}

inline nlohmann::json oracle_model_section() {
  return {{"spec", "oracle"},       {"name", "oracle"},       {"family", "oracle"},
          {"dtype", "none"},        {"device", "cpu"},        {"config_sha256", nullptr},
          {"parameters", nullptr},  {"checkpoint_sha256", nullptr}, {"tokenizer_sha256", nullptr}};
}

inline nlohmann::json custom_config_section() {
  return {{"suite", "custom"}, {"tasks", {"bbh_cot_fewshot", "mmlu"}}, {"limit", nullptr}, {"resumed", false}};
}

}  // namespace engram::report::testing
