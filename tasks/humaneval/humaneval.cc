#include "tasks/humaneval/humaneval.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "tasks/sha256.h"

namespace engram::tasks::humaneval {

namespace fs = std::filesystem;

std::vector<Problem> load_problems(const fs::path& path) {
  std::vector<Problem> problems;
  std::set<std::string> seen;
  read_jsonl(path, [&](const nlohmann::json& r, size_t line) {
    Problem p;
    p.task_id = string_field(r, "task_id", path, line);
    p.prompt = string_field(r, "prompt", path, line);
    p.canonical_solution = string_field(r, "canonical_solution", path, line);
    p.test = string_field(r, "test", path, line);
    p.entry_point = string_field(r, "entry_point", path, line);
    if (p.task_id.empty()) throw DataError(path.string(), line, "empty task_id");
    if (p.entry_point.empty()) throw DataError(path.string(), line, "empty entry_point");
    if (!seen.insert(p.task_id).second) throw DataError(path.string(), line, "repeated task_id '" + p.task_id + "'");
    problems.push_back(std::move(p));
  });
  if (problems.empty()) throw DataError(path.string(), 0, "no problems");
  return problems;
}

fs::path default_problems_path(const fs::path& source_dir) {
  fs::path shared;
  if (const char* env = std::getenv("ENGRAM_SHARED"); env && *env) shared = env;
  else shared = source_dir.parent_path() / "shared";
  return shared / "datasets" / "humaneval" / "HumanEval.jsonl.gz";
}

const std::vector<std::string>& stop_strings() {
  static const std::vector<std::string> stops = {"\nclass", "\ndef", "\n#", "\nif", "\nprint"};
  return stops;
}

std::string truncate_at_stop(std::string_view text, const std::vector<std::string>& stops) {
  size_t cut = text.size();
  for (const auto& s : stops) {
    if (s.empty()) continue;
    size_t pos = text.find(s);
    if (pos != std::string_view::npos && pos < cut) cut = pos;
  }
  return std::string(text.substr(0, cut));
}

std::string build_program(const Problem& problem, std::string_view completion) {
  std::string program;
  program.reserve(problem.prompt.size() + completion.size() + problem.test.size() + problem.entry_point.size() + 16);
  program += problem.prompt;
  program += completion;
  program += "\n";
  program += problem.test;
  program += "\n";
  program += "check(" + problem.entry_point + ")";
  return program;
}

double pass_at_k(int64_t n, int64_t c, int64_t k) {
  if (n < 1 || c < 0 || c > n || k < 1 || k > n)
    throw std::invalid_argument(fmt::format("pass_at_k: need 0 <= c <= n and 1 <= k <= n (n={}, c={}, k={})", n, c, k));
  if (n - c < k) return 1.0;
  double prod = 1.0;
  for (int64_t i = n - c + 1; i <= n; ++i) prod *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - prod;
}

std::vector<Sample> load_samples(const fs::path& path) {
  std::vector<Sample> samples;
  read_jsonl(path, [&](const nlohmann::json& r, size_t line) {
    Sample s;
    s.task_id = string_field(r, "task_id", path, line);
    s.completion = string_field(r, "completion", path, line);
    s.origin = fmt::format("{}:{}", path.string(), line);
    samples.push_back(std::move(s));
  });
  return samples;
}

void write_samples(const fs::path& path, const std::vector<Sample>& samples) {
  std::vector<nlohmann::json> records;
  records.reserve(samples.size());
  for (const auto& s : samples) records.push_back({{"task_id", s.task_id}, {"completion", s.completion}});
  write_jsonl(path, records);
}

nlohmann::json SampleRecord::to_json() const {
  nlohmann::json j = {{"task_id", task_id},
                      {"completion_id", completion_id},
                      {"completion_sha256", completion_sha256},
                      {"status", std::string(to_string(status))},
                      {"passed", passed()},
                      {"reason", reason},
                      {"ran_to_end", ran_to_end},
                      {"wall_s", wall_s}};
  if (exit_code >= 0) j["exit_code"] = exit_code;
  if (signal != 0) j["signal"] = signal;
  return j;
}

nlohmann::json EvalResult::to_json(bool with_samples) const {
  nlohmann::json j;
  nlohmann::json scores = nlohmann::json::object();
  for (const auto& [k, v] : pass_at_k) {
    scores[fmt::format("pass@{}", k)] = v;
    scores[fmt::format("pass@{}_stderr", k)] = pass_at_k_stderr.at(k);
  }
  j["scores"] = scores;
  j["skipped_k"] = skipped_k;
  j["n_problems"] = problems.size();
  j["n_samples"] = samples.size();
  j["status_counts"] = status_counts;
  j["sandbox_errors"] = sandbox_errors;
  j["wall_s"] = wall_s;
  nlohmann::json per_problem = nlohmann::json::array();
  for (const auto& p : problems) per_problem.push_back({{"task_id", p.task_id}, {"n", p.n}, {"c", p.c}});
  j["problems"] = per_problem;
  if (with_samples) {
    nlohmann::json recs = nlohmann::json::array();
    for (const auto& s : samples) recs.push_back(s.to_json());
    j["samples"] = recs;
  }
  j["sandbox"] = sandbox;
  return j;
}

namespace {

// The programs to run, one per sample, with each sample's record started (task, completion id,
// hash) and the number of samples per problem.
struct Prepared {
  std::vector<std::string> programs;
  std::vector<int64_t> per_problem_count;
  std::unordered_map<std::string, size_t> index;  // task_id -> problem
};

Prepared prepare_programs(const std::vector<Problem>& problems, const std::vector<Sample>& samples,
                          const EvalOptions& options, EvalResult& result) {
  Prepared p;
  for (size_t i = 0; i < problems.size(); ++i) p.index.emplace(problems[i].task_id, i);
  result.samples.resize(samples.size());
  p.per_problem_count.assign(problems.size(), 0);
  p.programs.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    auto it = p.index.find(s.task_id);
    if (it == p.index.end()) {
      throw std::invalid_argument(fmt::format("{}{}unknown task_id '{}'", s.origin, s.origin.empty() ? "" : ": ",
                                              s.task_id));
    }
    SampleRecord& rec = result.samples[i];
    rec.task_id = s.task_id;
    rec.completion_id = p.per_problem_count[it->second]++;
    rec.completion_sha256 = sha256_hex(s.completion);
    p.programs.push_back(build_program(problems[it->second], s.completion));
  }
  if (options.require_all_problems) {
    std::vector<std::string> missing;
    for (size_t i = 0; i < problems.size(); ++i)
      if (p.per_problem_count[i] == 0) missing.push_back(problems[i].task_id);
    if (!missing.empty()) {
      throw std::invalid_argument(fmt::format("{} of {} problems have no sample (first: {}); every problem must be attempted",
                                              missing.size(), problems.size(), missing.front()));
    }
  }
  return p;
}

// Each sample's execution into its record; n and c per attempted problem.
void record_executions(const std::vector<Problem>& problems, const Prepared& prepared,
                       const std::vector<ExecResult>& exec, EvalResult& result) {
  std::vector<int64_t> passed(problems.size(), 0);
  for (size_t i = 0; i < result.samples.size(); ++i) {
    SampleRecord& rec = result.samples[i];
    const ExecResult& e = exec[i];
    rec.status = e.status;
    rec.reason = e.reason;
    rec.ran_to_end = e.ran_to_end;
    rec.exit_code = e.exit_code;
    rec.signal = e.signal;
    rec.wall_s = e.wall_s;
    result.status_counts[std::string(to_string(e.status))]++;
    if (e.status == ExecStatus::kSandboxError) ++result.sandbox_errors;
    if (e.passed()) ++passed[prepared.index.at(rec.task_id)];
  }
  for (size_t i = 0; i < problems.size(); ++i) {
    if (prepared.per_problem_count[i] == 0) continue;
    result.problems.push_back({problems[i].task_id, prepared.per_problem_count[i], passed[i]});
  }
}

// pass@k averaged over the problems, with its standard error, for every k all problems have n >= k for.
void aggregate_pass_at_k(const std::vector<int64_t>& ks, EvalResult& result) {
  for (int64_t k : ks) {
    bool ok = !result.problems.empty() && k >= 1;
    for (const auto& p : result.problems) ok = ok && p.n >= k;
    if (!ok) {
      result.skipped_k.push_back(k);
      continue;
    }
    std::vector<double> values;
    values.reserve(result.problems.size());
    for (const auto& p : result.problems) values.push_back(pass_at_k(p.n, p.c, k));
    double mean = 0;
    for (double v : values) mean += v;
    mean /= static_cast<double>(values.size());
    double var = 0;
    for (double v : values) var += (v - mean) * (v - mean);
    double stderr_ = values.size() > 1 ? std::sqrt(var / static_cast<double>(values.size() - 1) /
                                                   static_cast<double>(values.size()))
                                       : 0.0;
    result.pass_at_k[k] = mean;
    result.pass_at_k_stderr[k] = stderr_;
  }
}

}  // namespace

EvalResult evaluate_samples(const std::vector<Problem>& problems, const std::vector<Sample>& samples,
                            const Sandbox& sandbox, const EvalOptions& options) {
  EvalResult result;
  const Prepared prepared = prepare_programs(problems, samples, options, result);
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<ExecResult> exec = sandbox.run(prepared.programs);
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  record_executions(problems, prepared, exec, result);
  aggregate_pass_at_k(options.ks, result);
  result.sandbox = sandbox.describe();
  return result;
}

EvalResult run_generations(const fs::path& problems_path, const fs::path& samples_path, const Sandbox& sandbox,
                           const EvalOptions& options) {
  std::vector<Problem> problems = load_problems(problems_path);
  std::vector<Sample> samples = load_samples(samples_path);
  return evaluate_samples(problems, samples, sandbox, options);
}

void write_sample_results(const fs::path& path, const std::vector<Sample>& samples, const EvalResult& result) {
  if (samples.size() != result.samples.size())
    throw std::invalid_argument("write_sample_results: samples and results differ in length");
  std::vector<nlohmann::json> records;
  records.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const SampleRecord& r = result.samples[i];
    records.push_back({{"task_id", samples[i].task_id},
                       {"completion", samples[i].completion},
                       {"result", r.passed() ? std::string("passed") : std::string(to_string(r.status)) + ": " + r.reason},
                       {"passed", r.passed()},
                       {"completion_sha256", r.completion_sha256}});
  }
  write_jsonl(path, records);
}

std::vector<GenerationRequest> build_requests(const std::vector<Problem>& problems, const GenerationSettings& settings) {
  if (settings.n_samples < 1) throw std::invalid_argument("n_samples must be at least 1");
  std::vector<GenerationRequest> requests;
  requests.reserve(problems.size() * static_cast<size_t>(settings.n_samples));
  for (size_t i = 0; i < problems.size(); ++i) {
    for (int64_t j = 0; j < settings.n_samples; ++j) {
      GenerationRequest r;
      r.context = problems[i].prompt;
      r.stop = stop_strings();
      r.max_new_tokens = settings.max_new_tokens;
      r.greedy = settings.greedy;
      r.temperature = settings.temperature;
      r.top_p = settings.top_p;
      r.seed = settings.seed + static_cast<uint64_t>(i) * static_cast<uint64_t>(settings.n_samples) +
               static_cast<uint64_t>(j);
      requests.push_back(std::move(r));
    }
  }
  return requests;
}

std::vector<Sample> samples_from_results(const std::vector<Problem>& problems, const GenerationSettings& settings,
                                         const std::vector<GenerationResult>& results) {
  const size_t expected = problems.size() * static_cast<size_t>(settings.n_samples);
  if (results.size() != expected)
    throw std::invalid_argument(fmt::format("expected {} generation results ({} problems x {} samples), got {}",
                                            expected, problems.size(), settings.n_samples, results.size()));
  std::vector<Sample> samples;
  samples.reserve(results.size());
  for (size_t r = 0; r < results.size(); ++r) {
    const Problem& p = problems[r / static_cast<size_t>(settings.n_samples)];
    samples.push_back({p.task_id, truncate_at_stop(results[r].text), ""});
  }
  return samples;
}

EvalResult evaluate_generations(const std::vector<Problem>& problems, const GenerationSettings& settings,
                                const std::vector<GenerationResult>& results, const Sandbox& sandbox,
                                const EvalOptions& options) {
  return evaluate_samples(problems, samples_from_results(problems, settings, results), sandbox, options);
}

}  // namespace engram::tasks::humaneval
