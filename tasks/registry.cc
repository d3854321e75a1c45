#include "tasks/registry.h"

#include <algorithm>
#include <set>
#include <stdexcept>


namespace engram::tasks {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(sep, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

}  // namespace

TaskSpec parse_task_spec(const std::string& raw) {
  const std::string spec = trim(raw);
  TaskSpec out;
  const size_t colon = spec.find(':');
  out.name = trim(spec.substr(0, colon));
  if (out.name.empty()) throw std::invalid_argument("empty task name in spec '" + raw + "'");
  if (colon != std::string::npos) {
    for (const auto& item : split(spec.substr(colon + 1), '+')) {
      const std::string t = trim(item);
      if (t.empty()) throw std::invalid_argument("empty subtask in spec '" + raw + "' (join subtasks with '+')");
      out.selection.push_back(t);
    }
  }
  return out;
}

std::vector<TaskSpec> parse_task_list(const std::string& list) {
  std::vector<TaskSpec> out;
  for (const auto& item : split(list, ',')) {
    if (trim(item).empty()) continue;
    out.push_back(parse_task_spec(item));
  }
  if (out.empty()) throw std::invalid_argument("no tasks in '" + list + "'");
  return out;
}

std::vector<std::string> select_subtasks(const std::string& task, const std::vector<std::string>& selection,
                                         const std::vector<std::string>& known,
                                         const std::map<std::string, std::vector<std::string>>& groups) {
  if (selection.empty()) return known;
  std::set<std::string> chosen;
  for (const auto& item : selection) {
    if (std::find(known.begin(), known.end(), item) != known.end()) {
      chosen.insert(item);
    } else if (auto g = groups.find(item); g != groups.end()) {
      chosen.insert(g->second.begin(), g->second.end());
    } else {
      std::vector<std::string> group_names;
      for (const auto& [name, _] : groups) group_names.push_back(name);
      throw std::invalid_argument("unknown subtask '" + item + "' for task " + task + "; valid subtasks: " +
                                  join(known, ", ") +
                                  (group_names.empty() ? std::string() : "; groups: " + join(group_names, ", ")));
    }
  }
  std::vector<std::string> out;
  for (const auto& k : known) {
    if (chosen.count(k)) out.push_back(k);
  }
  return out;
}

void TaskRegistry::add(const std::string& name, const std::string& summary, Factory factory) {
  if (entries_.count(name) || aliases_.count(name)) throw std::invalid_argument("task '" + name + "' registered twice");
  entries_[name] = {summary, std::move(factory)};
}

void TaskRegistry::alias(const std::string& alias, const std::string& target) {
  if (!entries_.count(target)) throw std::invalid_argument("alias '" + alias + "' names unknown task '" + target + "'");
  if (entries_.count(alias) || aliases_.count(alias)) throw std::invalid_argument("task '" + alias + "' registered twice");
  aliases_[alias] = target;
}

bool TaskRegistry::contains(const std::string& name) const { return entries_.count(name) || aliases_.count(name); }

std::vector<std::pair<std::string, std::string>> TaskRegistry::list() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, e] : entries_) out.emplace_back(name, e.summary);
  for (const auto& [name, target] : aliases_) out.emplace_back(name, "alias of " + target);
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<Task> TaskRegistry::create(const std::string& spec, TaskOptions options) const {
  return create(parse_task_spec(spec), std::move(options));
}

std::unique_ptr<Task> TaskRegistry::create(const TaskSpec& spec, TaskOptions options) const {
  std::string name = spec.name;
  if (auto a = aliases_.find(name); a != aliases_.end()) name = a->second;
  const auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::vector<std::string> names;
    for (const auto& [n, _] : list()) names.push_back(n);
    throw std::invalid_argument("unknown task '" + spec.name + "'; available: " + join(names, ", "));
  }
  if (!spec.selection.empty()) options.selection = spec.selection;
  return it->second.factory(options);
}

}  // namespace engram::tasks
