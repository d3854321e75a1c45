#pragma once
// HumanEval (Chen et al. 2021) as openai/human-eval and lm-evaluation-harness run it:
//   - the prompt is the problem's `prompt` field verbatim, no few-shot, no instruction;
//   - generation stops at "\nclass", "\ndef", "\n#", "\nif", "\nprint"; the completion is the text
//     before the earliest occurrence of any of them;
//   - the program run is prompt + completion + "\n" + test + "\n" + "check(<entry_point>)", each in a
//     sandbox of its own (sandbox.h), 3 s wall clock by default; it passes only when it ran to its end
//     (check returned; an early exit with any status fails, as in human-eval) and exited with 0;
//   - pass@k is the unbiased estimator, averaged over the problems, reported only when every
//     problem has n >= k samples.
// Generation and execution are separate phases joined by a samples file in human-eval's format
// ({"task_id", "completion"} per line): build_requests / samples_from_results on one side,
// run_generations / evaluate_samples on the other. No LibTorch here.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/humaneval/jsonl.h"
#include "tasks/humaneval/sandbox.h"
#include "tasks/language_model.h"

namespace engram::tasks::humaneval {

struct Problem {
  std::string task_id;  // "HumanEval/0" ... "HumanEval/163"
  std::string prompt;
  std::string canonical_solution;
  std::string test;
  std::string entry_point;
};

// HumanEval.jsonl(.gz). Every field must be a string; a broken line, a missing field or a repeated
// task_id is a DataError naming the file and the line.
std::vector<Problem> load_problems(const std::filesystem::path& path);

// The shared copy: $ENGRAM_SHARED/datasets/humaneval/HumanEval.jsonl.gz, else ../shared next to the
// source tree given.
std::filesystem::path default_problems_path(const std::filesystem::path& source_dir);

// The stop strings of the base-model protocol, in the protocol's order.
const std::vector<std::string>& stop_strings();

// The text before the earliest occurrence of any stop string (all of it when none occurs).
std::string truncate_at_stop(std::string_view text, const std::vector<std::string>& stops = stop_strings());

// prompt + completion + "\n" + test + "\n" + "check(entry_point)", as human-eval assembles it.
std::string build_program(const Problem& problem, std::string_view completion);

// Unbiased pass@k for one problem: 1 - C(n-c, k) / C(n, k) in the stable product form
// 1 - prod_{i=n-c+1}^{n} (1 - k/i); 1.0 when n - c < k. Requires 0 <= c <= n and 1 <= k <= n.
double pass_at_k(int64_t n, int64_t c, int64_t k);

// One line of a samples file.
struct Sample {
  std::string task_id;
  std::string completion;
  std::string origin;  // "file:line" when read from a file, for error messages; may be empty
};

// human-eval's samples format: one {"task_id": ..., "completion": ...} object per line (other fields
// are ignored), plain or .gz. Broken lines and missing fields are DataErrors naming file and line.
std::vector<Sample> load_samples(const std::filesystem::path& path);
void write_samples(const std::filesystem::path& path, const std::vector<Sample>& samples);

// ---- execution phase ----------------------------------------------------------------------------

struct SampleRecord {
  std::string task_id;
  int64_t completion_id = 0;       // index among this task's samples, in file order
  std::string completion_sha256;   // of the completion as executed
  ExecStatus status = ExecStatus::kSandboxError;
  std::string reason;  // e.g. "AssertionError", "early_exit: status 0 before check returned"
  bool ran_to_end = false;  // check(entry_point) returned (the sandbox's end-of-program token)
  int exit_code = -1;
  int signal = 0;
  double wall_s = 0;
  bool passed() const { return status == ExecStatus::kPassed; }
  nlohmann::json to_json() const;
};

struct ProblemResult {
  std::string task_id;
  int64_t n = 0;  // samples
  int64_t c = 0;  // passed
};

struct EvalOptions {
  std::vector<int64_t> ks = {1, 10, 100};  // pass@k reported for those every problem has n >= k for
  bool require_all_problems = true;        // every problem needs a sample (human-eval's rule)
};

struct EvalResult {
  std::vector<SampleRecord> samples;     // in input order
  std::vector<ProblemResult> problems;   // in problem order; only attempted ones when partial runs are allowed
  std::map<int64_t, double> pass_at_k;   // k -> mean over problems
  std::map<int64_t, double> pass_at_k_stderr;  // standard error of that mean over problems
  std::vector<int64_t> skipped_k;        // asked for, but some problem has n < k
  std::map<std::string, int64_t> status_counts;
  int64_t sandbox_errors = 0;            // samples the sandbox could not run (not the program's fault)
  double wall_s = 0;
  nlohmann::json sandbox;                // Sandbox::describe()

  nlohmann::json to_json(bool with_samples = true) const;
};

// Runs every sample in the sandbox (all workers) and scores it. Throws std::invalid_argument for a
// sample whose task_id is not a problem, and (with require_all_problems) when a problem has none.
EvalResult evaluate_samples(const std::vector<Problem>& problems, const std::vector<Sample>& samples,
                            const Sandbox& sandbox, const EvalOptions& options = {});

// The separable execution phase: problems file + samples file -> results.
EvalResult run_generations(const std::filesystem::path& problems_path, const std::filesystem::path& samples_path,
                           const Sandbox& sandbox, const EvalOptions& options = {});

// human-eval's results file: each sample line with "result" (the reason) and "passed" added.
void write_sample_results(const std::filesystem::path& path, const std::vector<Sample>& samples,
                          const EvalResult& result);

// ---- generation phase (the model interface) -----------------------------------------------------

struct GenerationSettings {
  int64_t n_samples = 1;         // per problem
  bool greedy = true;            // lm-eval `humaneval`; humaneval_64: false, T 0.2, top_p 0.95, n 64
  double temperature = 0.2;
  double top_p = 0.95;
  int64_t max_new_tokens = 1024;
  uint64_t seed = 1234;          // sample j of problem i uses seed + i * n_samples + j
};

// Problem-major: request i * n_samples + j is sample j of problem i. Context = prompt, stop = stop_strings().
std::vector<GenerationRequest> build_requests(const std::vector<Problem>& problems, const GenerationSettings& settings);

// The results of those requests as samples, completions cut at the stop strings again (in case a
// model returned text past one).
std::vector<Sample> samples_from_results(const std::vector<Problem>& problems, const GenerationSettings& settings,
                                         const std::vector<GenerationResult>& results);

// samples_from_results + evaluate_samples.
EvalResult evaluate_generations(const std::vector<Problem>& problems, const GenerationSettings& settings,
                                const std::vector<GenerationResult>& results, const Sandbox& sandbox,
                                const EvalOptions& options = {});

}  // namespace engram::tasks::humaneval
