#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/engine/determinism_audit.h"
#include "harness/engine/engine_model.h"
#include "harness/evaluation_run.h"
#include "harness/model_factory.h"
#include "tasks/data_dir.h"
#include "tasks/evaluator.h"
#include "tasks/registry.h"
#include "tasks/replay_model.h"

namespace engram::cli {
namespace {

struct EvalOptions {
  std::string model;
  std::string tasks;
  std::string data_dir;
  std::string output;
  std::optional<std::size_t> limit;
  bool log_samples = true;
  harness::ModelSpecOptions spec;
  std::string tokenizer;
  // Sampled generation (HumanEval pass@k); unset --samples keeps every task's greedy protocol.
  std::optional<int64_t> samples;
  tasks::HumanEvalOptions::Sampling sampling;
  std::string batch_size = "8";                   // a number, or auto: parsed into spec.batch_size
  std::optional<std::size_t> determinism_audit;   // rerun the first N requests of each kind at another batch size
  std::optional<int64_t> max_new_tokens;          // cap on every generation budget (recorded in the report)
  std::vector<int64_t> ruler_lengths;
  std::optional<std::size_t> ruler_samples;
  std::vector<std::string> files;                 // ruler_jsonl inputs
  std::size_t journal_chunk = 64;
  bool resume = false;
  bool rescore = false;
  bool quiet = false;
};

// Each task family's options from the flags that set them; every task gets the part it takes.
tasks::TaskOptions task_options_from(const EvalOptions& options) {
  tasks::TaskOptions task_options;
  task_options.data_dir = tasks::resolve_data_dir(
      options.data_dir.empty() ? std::nullopt : std::optional<std::filesystem::path>(options.data_dir));
  if (options.samples) {
    task_options.humaneval.sampling = options.sampling;
    task_options.humaneval.sampling->n = *options.samples;
  }
  task_options.ruler.lengths = options.ruler_lengths;
  task_options.ruler.samples = options.ruler_samples;
  for (const auto& file : options.files) task_options.ruler.files.push_back(file);
  return task_options;
}

std::string format_value(const nlohmann::json& metric) {
  if (metric["value"].is_null()) return "n/a";
  std::string text = fmt::format("{:.4f}", metric["value"].get<double>());
  if (!metric["stderr"].is_null()) text += fmt::format(" ± {:.4f}", metric["stderr"].get<double>());
  return text;
}

int run_eval(EvalOptions options) {
  if (!options.tokenizer.empty()) options.spec.tokenizer_dir = options.tokenizer;
  options.spec.batch_size = harness::parse_batch_size(options.batch_size);
  harness::EvaluationRequest request;
  request.model_spec = options.model;
  request.model_options = options.spec;
  request.tasks = tasks::parse_task_list(options.tasks);
  request.task_options = task_options_from(options);
  request.evaluate_options.limit = options.limit;
  request.evaluate_options.log_samples = true;
  request.evaluate_options.max_new_tokens = options.max_new_tokens;
  request.evaluate_options.chunk_instances = options.journal_chunk;
  request.write_samples_log = options.log_samples;
  request.report_path = options.output.empty() ? std::filesystem::path("engram-bench-eval.json")
                                               : std::filesystem::path(options.output);
  request.resume = options.resume;
  request.rescore = options.rescore;
  request.command_line = command_line();
  request.quiet = options.quiet;
  request.determinism_audit = options.determinism_audit;
  const harness::EvaluationOutcome outcome = harness::run_evaluation(request);
  const nlohmann::json& report = outcome.report;
  if (report.is_null()) return 0;  // a data-parallel rank other than 0: rank 0 reports

  std::cout << fmt::format("model {}  ({:.1f} s)\n", options.model, report["timings"]["wall_seconds"].get<double>());
  std::cout << fmt::format("{:<22} {:<26} {:>22} {:>7} {:>6}\n", "task", "metric", "value", "n", "unparseable");
  for (const auto& [name, task] : report["tasks"].items()) {
    const std::string primary = task["primary_metric"].get<std::string>();
    std::cout << fmt::format("{:<22} {:<26} {:>22} {:>7} {:>6}\n", name, primary, format_value(task["metrics"][primary]),
                             task["n"].dump(), task["counts"]["unparseable"].dump());
  }
  for (const auto& skipped : report["skipped"]) {
    std::cout << fmt::format("skipped {}: {}\n", skipped["task"].get<std::string>(), skipped["reason"].get<std::string>());
  }
  const nlohmann::json& engine = report["model"]["engine"];
  if (engine.is_object() && engine.contains("memory_plan") && !engine["memory_plan"].is_null()) {
    std::cout << fmt::format("batch size auto -> {} (memory plan: {} bytes per sequence of {} tokens, budget {} bytes)\n",
                             engine["batch_size"].get<int64_t>(),
                             engine["memory_plan"]["bytes_per_sequence"].get<int64_t>(),
                             engine["memory_plan"]["max_sequence_length"].get<int64_t>(),
                             engine["memory_plan"]["budget_bytes"].get<int64_t>());
  }
  if (report.contains("determinism_audit")) std::cout << harness::describe_audit(report["determinism_audit"]) << "\n";
  if (report["journal"]["reused"].get<size_t>() > 0) {
    const nlohmann::json& journal = report["journal"];
    std::cout << fmt::format("{} instance(s) reused from the journal {}", journal["reused"].get<size_t>(),
                             outcome.journal_path.string());
    // Earlier runs' model time, so that a report joined from several runs still says what it cost.
    const size_t untimed = journal.value("reused_untimed", size_t{0});
    if (untimed < journal["reused"].get<size_t>()) {
      std::cout << fmt::format(" ({:.1f} s of model time in the runs that answered them{})",
                               journal.value("reused_model_seconds", 0.0),
                               untimed ? fmt::format("; {} answer(s) journaled without a time", untimed) : "");
    }
    std::cout << "\n";
  }
  std::cout << "report written to " << outcome.report_path.string() << "\n";
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* eval = app.add_subcommand("eval", "Evaluate a model on benchmark tasks");
  eval->add_option("--model", options->model,
                   "PRESET[+engram=SIZE] | hf:DIR | gguf:FILE | replay:FILE | an installed model (smollm2-135m)")
      ->required();
  eval->add_option("--tasks", options->tasks, "comma-separated tasks, e.g. bbh_cot_fewshot:navigate,mmlu:stem")
      ->required();
  eval->add_option("--data-dir", options->data_dir, "dataset folder (default: $ENGRAM_DATA, else ../shared/datasets)");
  eval->add_option("--output", options->output,
                   "the report (docs/report-format.md), written atomically; its journal and samples log go next to it "
                   "(default: engram-bench-eval.json)");
  eval->add_flag("--resume", options->resume, "continue from the journal next to --output (whatever the batch size)");
  eval->add_flag("--rescore", options->rescore,
                 "score again from the journal next to --output without loading the model (after a scoring change)");
  eval->add_option("--journal-chunk", options->journal_chunk, "instances per model call between journal appends")
      ->capture_default_str()->check(CLI::PositiveNumber);
  eval->add_option("--max-new-tokens", options->max_new_tokens,
                   "cap every generation budget (quick runs; recorded as a protocol override)")
      ->check(CLI::PositiveNumber);
  eval->add_option("--ruler-lengths", options->ruler_lengths,
                   "RULER context lengths in tokens (default 4096; those above the context window are skipped)")
      ->delimiter(',');
  eval->add_option("--ruler-samples", options->ruler_samples, "RULER samples per task and length (default 500)")
      ->check(CLI::PositiveNumber);
  eval->add_option("--files", options->files, "input files for ruler_jsonl (upstream RULER JSONL)")->delimiter(',');
  eval->add_flag("--quiet", options->quiet, "no progress bars");
  eval->add_option("--limit", options->limit, "first N documents of every subtask (quick runs)");
  eval->add_flag("!--no-samples", options->log_samples, "do not write the per-sample log (JSONL) next to the report");
  auto* samples = eval->add_option("--samples", options->samples,
                                   "sampled generations per problem (humaneval: unbiased pass@1/10/100 for k <= N)")
                      ->check(CLI::PositiveNumber);
  eval->add_option("--temperature", options->sampling.temperature, "sampling temperature (with --samples)")
      ->capture_default_str()->needs(samples);
  eval->add_option("--top-p", options->sampling.top_p, "nucleus sampling mass (with --samples)")
      ->capture_default_str()->needs(samples);
  eval->add_option("--sampling-seed", options->sampling.seed,
                   "sample j of problem i uses this + i * N + j (with --samples)")
      ->capture_default_str()->needs(samples);
  eval->add_option("--tokenizer", options->tokenizer, "tokenizer folder (default: the model's, else DeepSeek-V3)");
  eval->add_option("--seed", options->spec.seed, "weights seed for presets")->capture_default_str();
  eval->add_option("--batch-size", options->batch_size, "sequences per forward, or auto (the analytic memory plan)")
      ->capture_default_str();
  eval->add_option("--memory-budget", options->spec.memory_budget_bytes,
                   "batch size auto: plan for this many bytes instead of MemAvailable");
  eval->add_option("--memory-fraction", options->spec.memory_fraction, "batch size auto: share of MemAvailable to plan for")
      ->capture_default_str();
  eval->add_option("--determinism-audit", options->determinism_audit,
                   "rerun the first N requests of each kind at another batch size (1, or 4 when the run used 1) "
                   "and report flips")
      ->check(CLI::PositiveNumber);
  eval->add_option("--dtype", options->spec.dtype,
                   "weights: auto (bfloat16 on CUDA, float32 on CPU), float32, bfloat16 or float16; logits stay float32")
      ->capture_default_str();
  eval->add_option("--packed-weights", options->spec.packed_weights,
                   "on the CPU, also keep each projection's weight packed for oneDNN: faster, one more copy of "
                   "the weights in memory")
      ->capture_default_str();
  eval->add_option("--shared-prefix-attention", options->spec.shared_prefix_attention,
                   "generation: a decode step reads the prompt prefix its sequences share (a few-shot prompt) "
                   "once for all of them, not once per sequence")
      ->capture_default_str();
  eval->add_option("--speculative-tokens", options->spec.speculative_tokens,
                   "greedy generation: draft up to N tokens per sequence from its own prompt and output "
                   "(prompt lookup) and verify them in one step while few sequences run; 0: off")
      ->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{64}));
  eval->add_option("--max-length", options->spec.max_length,
                   "context window in tokens (default: the model's own, max_position_embeddings or the GGUF "
                   "context_length; RULER lengths above it are skipped)")
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 20));
  actions.emplace_back(eval, [options] { return run_eval(*options); });
}

}  // namespace engram::cli
