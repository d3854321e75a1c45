#pragma once
// Task registry: name -> factory. A task spec is "name" or "name:selection", the selection being
// subtasks (or, for MMLU, categories) joined by '+', e.g. "bbh_cot_fewshot:date_understanding+navigate"
// or "mmlu:stem+philosophy". A list of specs is comma-separated ("bbh,mmlu:stem").
//
// Built-in names:
//   bbh_cot_fewshot   BBH, 3-shot chain of thought (lm-eval's `bbh` group); alias "bbh"
//   bbh_fewshot       BBH, 3-shot answer-only
//   bbh_zeroshot      BBH, zero-shot answer-only
//   mmlu              MMLU, 5-shot, log-likelihood of " A".." D"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tasks/task.h"

namespace engram::tasks {

struct TaskOptions {
  std::filesystem::path data_dir;      // see data_dir.h (resolve_data_dir)
  std::vector<std::string> selection;  // subtasks/groups; empty = all
  std::optional<size_t> num_fewshot;   // MMLU only (0..5); other tasks refuse it
};

struct TaskSpec {
  std::string name;
  std::vector<std::string> selection;
};
// Throws std::invalid_argument on an empty name or an empty selection item.
TaskSpec parse_task_spec(const std::string& spec);
std::vector<TaskSpec> parse_task_list(const std::string& list);

class TaskRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Task>(const TaskOptions&)>;

  void add(const std::string& name, const std::string& summary, Factory factory);
  void alias(const std::string& alias, const std::string& target);

  // Creates the task a spec names; the spec's selection replaces options.selection. Unknown names
  // and subtasks are std::invalid_argument errors listing what exists; missing data is
  // DataMissingError; malformed data is DataError.
  std::unique_ptr<Task> create(const std::string& spec, TaskOptions options) const;
  std::unique_ptr<Task> create(const TaskSpec& spec, TaskOptions options) const;

  bool contains(const std::string& name) const;
  // (name, summary) of every task and alias, sorted by name.
  std::vector<std::pair<std::string, std::string>> list() const;

  // The registry with the built-in tasks.
  static const TaskRegistry& builtin();

 private:
  struct Entry {
    std::string summary;
    Factory factory;
  };
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> aliases_;
};

// Expands and checks a selection against the known subtasks (and named groups of them), returning
// the chosen subtasks in canonical order without repeats. Empty selection = all.
std::vector<std::string> select_subtasks(const std::string& task, const std::vector<std::string>& selection,
                                         const std::vector<std::string>& known,
                                         const std::map<std::string, std::vector<std::string>>& groups = {});

}  // namespace engram::tasks
