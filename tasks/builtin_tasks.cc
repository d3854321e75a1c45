// The built-in task registry. It lives apart from registry.cc so that the `tasks` library does not
// depend on HumanEval's (which depends on `tasks`).
#include "tasks/bbh_task.h"
#include "tasks/humaneval/humaneval_task.h"
#include "tasks/mmlu_task.h"
#include "tasks/registry.h"

#include <map>
#include <stdexcept>
#include <string>

namespace engram::tasks {
namespace {

std::unique_ptr<Task> make_bbh(BbhVariant variant, const TaskOptions& options) {
  auto config = bbh_config(variant);
  if (options.num_fewshot) {
    throw std::invalid_argument(config.name + " has a fixed number of shots (" + std::to_string(config.num_fewshot) +
                                "); num_fewshot cannot be changed");
  }
  const auto names = select_subtasks(config.name, options.selection, bbh_subtask_names());
  return std::make_unique<BbhTask>(std::move(config), load_bbh(options.data_dir, names));
}

std::unique_ptr<Task> make_mmlu(const TaskOptions& options) {
  MmluTaskConfig config;
  if (options.num_fewshot) {
    if (*options.num_fewshot > 5) throw std::invalid_argument("mmlu: num_fewshot must be 0-5 (the dev split has 5 rows)");
    config.num_fewshot = *options.num_fewshot;
  }
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& c : mmlu_categories()) groups[c.name] = c.subjects;
  const auto subjects = select_subtasks(config.name, options.selection, mmlu_subjects(), groups);
  return std::make_unique<MmluTask>(std::move(config), load_mmlu(options.data_dir, subjects));
}

}  // namespace

const TaskRegistry& TaskRegistry::builtin() {
  static const TaskRegistry registry = [] {
    TaskRegistry r;
    r.add("bbh_cot_fewshot", "BBH, 27 subtasks, 3-shot chain of thought (lm-eval bbh_cot_fewshot)",
          [](const TaskOptions& o) { return make_bbh(BbhVariant::cot_fewshot, o); });
    r.add("bbh_fewshot", "BBH, 27 subtasks, 3-shot answer-only (lm-eval bbh_fewshot)",
          [](const TaskOptions& o) { return make_bbh(BbhVariant::fewshot, o); });
    r.add("bbh_zeroshot", "BBH, 27 subtasks, zero-shot answer-only (lm-eval bbh_zeroshot)",
          [](const TaskOptions& o) { return make_bbh(BbhVariant::zeroshot, o); });
    r.add("mmlu", "MMLU, 57 subjects, 5-shot log-likelihood of ' A'..' D' (lm-eval mmlu)",
          [](const TaskOptions& o) { return make_mmlu(o); });
    r.add("humaneval", "HumanEval, 164 problems, greedy pass@1, programs run in our sandbox (lm-eval humaneval)",
          [](const TaskOptions& o) { return humaneval::make_humaneval_task(o); });
    r.alias("bbh", "bbh_cot_fewshot");
    return r;
  }();
  return registry;
}

}  // namespace engram::tasks
