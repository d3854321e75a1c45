#include "tasks/ruler/ruler_jsonl_task.h"

#include <set>
#include <stdexcept>

#include "tasks/data_error.h"
#include "tasks/ruler/ruler_instances.h"
#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks::ruler {
namespace {

using nlohmann::json;

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// "<root>/<length>/data/<task>/validation.jsonl" -> "<task>@<length>"; "<dir>/<task>/x.jsonl" ->
// "<task>" when x is validation or test; else the file's stem.
std::string subtask_of(const std::filesystem::path& path) {
  const std::string stem = path.stem().string();
  if (stem != "validation" && stem != "test") return stem;
  const auto task_dir = path.parent_path();
  const std::string task = task_dir.filename().string();
  const auto data_dir = task_dir.parent_path();
  const std::string length = data_dir.parent_path().filename().string();
  if (data_dir.filename() == "data" && all_digits(length)) return task + "@" + length;
  return task;
}

}  // namespace

std::vector<RulerJsonlRecord> parse_ruler_jsonl(const std::string& text, const std::string& name) {
  std::vector<RulerJsonlRecord> out;
  size_t start = 0, line = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    const std::string raw = text.substr(start, end - start);
    start = end + 1;
    if (py_strip(raw).empty()) continue;
    json record;
    try {
      record = json::parse(raw);
    } catch (const json::parse_error& e) {
      throw DataError(name, line, "invalid JSON: " + json_error_reason(e.what()));
    }
    if (!record.is_object()) throw DataError(name, line, "expected a JSON object");
    auto require = [&](const char* key) -> const json& {
      if (!record.contains(key)) throw DataError(name, line, "missing", key);
      return record[key];
    };
    RulerJsonlRecord r;
    r.line = line;
    const auto& index = require("index");
    if (!index.is_number_integer()) throw DataError(name, line, "expected an integer", "index");
    r.index = index.get<int64_t>();
    const auto& input = require("input");
    if (!input.is_string()) throw DataError(name, line, "expected a string", "input");
    r.input = input.get<std::string>();
    const auto& outputs = require("outputs");
    if (!outputs.is_array() || outputs.empty()) throw DataError(name, line, "expected a non-empty array", "outputs");
    for (const auto& o : outputs) {
      if (!o.is_string()) throw DataError(name, line, "expected strings", "outputs");
      r.outputs.push_back(o.get<std::string>());
    }
    const auto& length = require("length");
    if (!length.is_number_integer()) throw DataError(name, line, "expected an integer", "length");
    r.length = length.get<int64_t>();
    if (record.contains("answer_prefix")) {
      if (!record["answer_prefix"].is_string()) throw DataError(name, line, "expected a string", "answer_prefix");
      r.answer_prefix = record["answer_prefix"].get<std::string>();
    }
    out.push_back(std::move(r));
  }
  if (out.empty()) throw DataError(name, 0, "no records");
  return out;
}

RulerJsonlFile load_ruler_jsonl(const std::filesystem::path& path) {
  RulerJsonlFile f;
  f.path = path;
  const std::string text = read_text_file(path);
  f.sha256 = sha256_hex(text);
  f.subtask = subtask_of(path);
  const auto task = parse_subtask_name(f.subtask).task;
  const auto spec = find_ruler_task(task);
  if (!spec) {
    std::string known;
    for (const auto& n : ruler_task_names()) known += (known.empty() ? "" : ", ") + n;
    throw DataError(path.string(), 0,
                    "cannot tell which RULER task this file holds ('" + task + "'); name the file or its folder "
                    "after one of: " + known);
  }
  f.spec = *spec;
  f.records = parse_ruler_jsonl(text, path.string());
  return f;
}

RulerJsonlTask::RulerJsonlTask(std::vector<RulerJsonlFile> files) : files_(std::move(files)) {
  if (files_.empty()) throw std::invalid_argument("ruler_jsonl: no files");
  std::set<std::string> names;
  for (const auto& f : files_) {
    if (!names.insert(f.subtask).second) {
      throw std::invalid_argument("ruler_jsonl: two files map to subtask '" + f.subtask + "' (" + f.path.string() + ")");
    }
  }
}

const RulerJsonlFile& RulerJsonlTask::find(const std::string& subtask) const {
  for (const auto& f : files_) {
    if (f.subtask == subtask) return f;
  }
  throw std::invalid_argument("task ruler_jsonl has no subtask '" + subtask + "'");
}

std::vector<std::string> RulerJsonlTask::subtasks() const {
  std::vector<std::string> out;
  for (const auto& f : files_) out.push_back(f.subtask);
  return out;
}

size_t RulerJsonlTask::subtask_size(const std::string& subtask) const { return find(subtask).records.size(); }

std::vector<Instance> RulerJsonlTask::instances(std::optional<size_t> limit) const {
  std::vector<Instance> out;
  for (const auto& f : files_) {
    const size_t n = limit ? std::min(*limit, f.records.size()) : f.records.size();
    for (size_t i = 0; i < n; ++i) {
      const auto& r = f.records[i];
      out.push_back(ruler_instance(f.subtask, i, r.input + r.answer_prefix, r.outputs,
                                   f.spec.family_template().tokens_to_generate));
    }
  }
  return out;
}

SampleRecord RulerJsonlTask::score(const Instance& instance, const InstanceResponse& response) const {
  return score_ruler_response(instance, response, find(instance.subtask).spec.family_template().metric);
}

std::vector<MetricSpec> RulerJsonlTask::metrics() const { return {ruler_metric()}; }

std::vector<SubtaskGroup> RulerJsonlTask::groups() const { return ruler_groups(subtasks()); }

nlohmann::json RulerJsonlTask::protocol() const {
  return {{"task", "ruler_jsonl"},
          {"version", version()},
          {"reference", "NVIDIA/RULER @ c3f5e3b4f87f: prompts from prepare.py's JSONL, scored as scripts/eval"},
          {"prompt", "input + answer_prefix, unchanged"},
          {"decoding", "greedy, no stop strings, max_new_tokens = the task family's tokens_to_generate"},
          {"scoring", "prediction strip, control characters -> \\n, strip; string_match_all / string_match_part, "
                      "case-insensitive, per sample in [0, 1]"},
          {"aggregation", "mean per file; groups and task: size-weighted mean over files"}};
}

nlohmann::json RulerJsonlTask::subtask_protocol(const std::string& subtask) const {
  const auto& f = find(subtask);
  return {{"file", f.path.filename().string()},
          {"sha256", f.sha256},
          {"task", f.spec.name},
          {"metric", to_string(f.spec.family_template().metric)},
          {"tokens_to_generate", f.spec.family_template().tokens_to_generate}};
}

std::unique_ptr<Task> make_ruler_jsonl_task(const CommonTaskOptions& common, const RulerOptions& options) {
  std::vector<std::filesystem::path> paths = options.files;
  for (const auto& item : common.selection) paths.emplace_back(item);
  if (paths.empty()) {
    throw std::invalid_argument(
        "ruler_jsonl needs the JSONL files upstream RULER generated: pass them as RulerOptions::files or as the "
        "selection, e.g. ruler_jsonl:/path/4096/data/niah_single_1/validation.jsonl");
  }
  std::vector<RulerJsonlFile> files;
  for (const auto& p : paths) files.push_back(load_ruler_jsonl(p));
  return std::make_unique<RulerJsonlTask>(std::move(files));
}

}  // namespace engram::tasks::ruler
