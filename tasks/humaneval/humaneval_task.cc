#include "tasks/humaneval/humaneval_task.h"

#include <mutex>

#include "tasks/data_dir.h"
#include "tasks/humaneval/humaneval.h"
#include "tasks/humaneval/sandbox.h"

namespace engram::tasks::humaneval {
namespace {

// humaneval.h has a SampleRecord of its own (one executed sample); these are the framework's.
using TaskRecord = engram::tasks::SampleRecord;

constexpr const char* kSubtask = "humaneval";
constexpr int64_t kMaxNewTokens = 1024;  // lm-eval's max_gen_toks for humaneval

class HumanEvalTask : public Task {
 public:
  explicit HumanEvalTask(std::vector<Problem> problems) : problems_(std::move(problems)) {}

  std::string name() const override { return "humaneval"; }
  std::string version() const override { return "1"; }
  RequestType request_type() const override { return RequestType::generate_until; }
  std::vector<std::string> subtasks() const override { return {kSubtask}; }
  size_t subtask_size(const std::string&) const override { return problems_.size(); }

  std::vector<Instance> instances(std::optional<size_t> limit) const override {
    std::vector<Instance> out;
    const size_t n = limit ? std::min(*limit, problems_.size()) : problems_.size();
    for (size_t i = 0; i < n; ++i) {
      Instance inst;
      inst.subtask = kSubtask;
      inst.doc_index = i;
      inst.doc_id = problems_[i].task_id;
      inst.context = problems_[i].prompt;
      inst.target = problems_[i].task_id;
      inst.type = RequestType::generate_until;
      inst.generation.stop = stop_strings();
      inst.generation.max_new_tokens = kMaxNewTokens;
      inst.generation.greedy = true;
      out.push_back(std::move(inst));
    }
    return out;
  }

  TaskRecord score(const Instance& instance, const InstanceResponse& response) const override {
    return score_all({instance}, {response}).front();
  }

  std::vector<TaskRecord> score_all(const std::vector<Instance>& instances,
                                      const std::vector<InstanceResponse>& responses) const override {
    std::vector<std::string> programs;
    std::vector<std::string> completions;
    for (size_t i = 0; i < instances.size(); ++i) {
      completions.push_back(truncate_at_stop(responses[i].generation.text));
      programs.push_back(build_program(problems_[instances[i].doc_index], completions.back()));
    }
    const std::vector<ExecResult> executed = sandbox().run(programs);
    std::vector<TaskRecord> records;
    for (size_t i = 0; i < instances.size(); ++i) {
      TaskRecord r = TaskRecord::for_instance(instances[i]);
      r.filtered = {{"create_test", completions[i]}};
      r.metrics = {{"pass@1", "create_test", executed[i].passed() ? 1.0 : 0.0}};
      r.truncated = responses[i].generation.truncated;
      r.hit_stop = responses[i].generation.hit_stop;
      r.tokens = responses[i].generation.tokens;
      r.unparseable = false;  // any text is a program; failures show in pass@1 and the reason below
      r.response = nlohmann::json{{"text", responses[i].generation.text},
                                  {"execution", executed[i].to_json()}};
      records.push_back(std::move(r));
    }
    return records;
  }

  std::vector<MetricSpec> metrics() const override { return {{"pass@1", "create_test", true, true}}; }

  nlohmann::json protocol() const override {
    return {{"template", "{prompt}"},
            {"generation", {{"greedy", true}, {"max_new_tokens", kMaxNewTokens}, {"stop", stop_strings()}}},
            {"filters", {{"create_test", "cut at the first stop string; program = prompt + completion + test + check(entry_point)"}}},
            {"metric", "pass@1 (greedy, n = 1): the program exits 0 within the time limit"},
            {"execution", {{"timeout_s", SandboxConfig{}.timeout_s}, {"memory_bytes", SandboxConfig{}.memory_bytes}}},
            {"aggregation", "mean"},
            {"version", version()}};
  }
  nlohmann::json subtask_protocol(const std::string&) const override {
    return {{"problems", problems_.size()}};
  }

 private:
  const Sandbox& sandbox() const {
    std::call_once(sandbox_once_, [this] { sandbox_ = std::make_unique<Sandbox>(); });
    return *sandbox_;
  }

  std::vector<Problem> problems_;
  mutable std::once_flag sandbox_once_;
  mutable std::unique_ptr<Sandbox> sandbox_;
};

}  // namespace

std::unique_ptr<Task> make_humaneval_task(const TaskOptions& options) {
  const std::filesystem::path file = options.data_dir / "humaneval" / "HumanEval.jsonl.gz";
  require_files("HumanEval", options.data_dir, {file},
                "HumanEval.jsonl.gz from github.com/openai/human-eval (data/)");
  if (!options.selection.empty()) throw std::invalid_argument("humaneval has no subtasks to select");
  if (options.num_fewshot) throw std::invalid_argument("humaneval is zero-shot; --num-fewshot does not apply");
  return std::make_unique<HumanEvalTask>(load_problems(file));
}

}  // namespace engram::tasks::humaneval
