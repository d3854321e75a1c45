// `engram-bench run`: the main job. The tiny Engram model and its iso-parameter tiny MoE baseline
// (random weights) beside a real checkpoint, SmolLM2-135M-Instruct (the installed GGUF file), on
// quick subsets of BBH, MMLU, HumanEval and RULER, a small speed sweep and the Engram offload
// measurement, then one report per model, the comparison on the terminal and an HTML page.
// `--suite full` runs every document of every task with the standard protocols.
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/cli/run_measurements.h"
#include "harness/distributed/launched_context.h"
#include "harness/evaluation_run.h"
#include "harness/report/compare_format.h"
#include "harness/report/compare_input.h"
#include "harness/report/compare_table.h"
#include "harness/report/html_page.h"
#include "harness/report/report_context.h"
#include "tasks/data_dir.h"
#include "tasks/registry.h"

namespace engram::cli {
namespace {

namespace fs = std::filesystem;

struct RunOptions {
  std::string suite = "quick";
  std::vector<std::string> models{"tiny-engram", "tiny-moe", "smollm2-135m"};
  std::string output_dir;
  std::string data_dir;
  std::string tasks;                 // replaces the suite's task list
  std::optional<size_t> limit;       // replaces the suite's documents per subtask
  bool resume = false;
  bool skip_speed = false;
  bool quiet = false;
  uint64_t seed = 0;
  std::vector<std::string> argv;
};

// The quick suite: a few documents of each benchmark, generation capped, RULER at one short length.
// What it shows is that every pipeline runs end to end, not what a model can do.
struct SuitePlan {
  std::string tasks;
  std::optional<size_t> limit;
  std::optional<int64_t> max_new_tokens;
  std::vector<int64_t> ruler_lengths;
  std::optional<size_t> ruler_samples;
};

SuitePlan suite_plan(const RunOptions& options) {
  SuitePlan plan;
  if (options.suite == "full") {
    plan = {"bbh,mmlu,humaneval,ruler", std::nullopt, std::nullopt, {4096, 8192, 16384, 32768, 65536, 131072}, std::nullopt};
  } else {
    plan = {"bbh:boolean_expressions+date_understanding+navigate+word_sorting,mmlu,humaneval,ruler", 2, 32, {1024}, 1};
  }
  if (!options.tasks.empty()) plan.tasks = options.tasks;
  if (options.limit) {
    plan.limit = options.limit;
    if (plan.ruler_samples) plan.ruler_samples = std::min(*plan.ruler_samples, *options.limit);
  }
  return plan;
}

fs::path default_output_dir() {
  std::string stamp = report::utc_timestamp(std::chrono::system_clock::now());
  for (char& c : stamp) {
    if (c == ':') c = '-';
  }
  return fs::path("engram-bench-runs") / stamp;
}

harness::EvaluationRequest model_request(const RunOptions& options, const SuitePlan& plan,
                                         const tasks::TaskOptions& task_options, const std::string& model,
                                         const fs::path& out_dir) {
  harness::EvaluationRequest request;
  request.model_spec = model;
  request.model_options.seed = options.seed;
  request.tasks = tasks::parse_task_list(plan.tasks);
  request.task_options = task_options;
  request.evaluate_options.limit = plan.limit;
  request.evaluate_options.max_new_tokens = plan.max_new_tokens;
  request.skip_missing_data = true;
  request.report_path = out_dir / (model + ".json");
  request.resume = options.resume;
  request.suite = options.suite;
  request.command_line = options.argv;
  request.quiet = options.quiet;
  if (!options.skip_speed) {
    request.measure = [model, suite = options.suite, seed = options.seed, quiet = options.quiet](
                          tasks::LanguageModel&, report::ReportExtras& extras) {
      measure_for_main_job(model, suite, seed, extras, quiet);
    };
  }
  return request;
}

// The comparison of the reports, on the terminal and as comparison.md and comparison.html.
void write_comparison(const std::vector<std::string>& report_paths, const fs::path& out_dir) {
  std::vector<report::LoadedReport> loaded;
  for (const auto& path : report_paths) loaded.push_back(report::load_report_file(path));
  report::make_labels_unique(loaded);
  const report::Comparison comparison = report::compare_reports(loaded);
  std::cout << report::render_markdown(comparison) << "\n";
  const fs::path html = out_dir / "comparison.html";
  const fs::path markdown = out_dir / "comparison.md";
  write_file_atomically(html.string(), report::render_html(comparison));
  write_file_atomically(markdown.string(), report::render_markdown(comparison));
  std::cout << fmt::format("comparison: {} and {}\n", markdown.string(), html.string());
}

tasks::TaskOptions task_options_for(const RunOptions& options, const SuitePlan& plan) {
  tasks::TaskOptions task_options;
  task_options.data_dir = tasks::resolve_data_dir(options.data_dir.empty() ? std::nullopt
                                                                          : std::optional<fs::path>(options.data_dir));
  task_options.ruler.lengths = plan.ruler_lengths;
  task_options.ruler.samples = plan.ruler_samples;
  return task_options;
}

int run_main_job(const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const SuitePlan plan = suite_plan(options);
  // Under torchrun every rank writes where rank 0 does (its clock names the default folder), and only
  // rank 0 prints, compares and writes the reports.
  distributed::DistributedContext* context = distributed::launched_context();
  fs::path out_dir = options.output_dir.empty() ? default_output_dir() : fs::path(options.output_dir);
  if (context) out_dir = context->broadcast_bytes(out_dir.string(), 0, "agreeing on the output folder");
  fs::create_directories(out_dir);
  if (context && !context->is_root()) {
    for (const std::string& model : options.models) {
      harness::run_evaluation(model_request(options, plan, task_options_for(options, plan), model, out_dir));
    }
    return 0;
  }

  std::cout << fmt::format(
      "engram-bench run ({} suite): {} on BBH, MMLU, HumanEval and RULER, then speed and Engram offload.\n"
      "NOTE: the presets (tiny-engram, tiny-moe) have random weights (seed {}), so their accuracies are at\n"
      "      chance level or zero: they show that the harness works end to end, not what Engram does.\n"
      "      smollm2-135m is a trained checkpoint (SmolLM2-135M-Instruct, Q4_1 GGUF): its scores are real,\n"
      "      though on a few documents per task.\n"
      "Output: {}\n\n",
      options.suite, fmt::join(options.models, ", "), options.seed, out_dir.string());

  const tasks::TaskOptions task_options = task_options_for(options, plan);

  std::vector<std::string> report_paths;
  for (const std::string& model : options.models) {
    std::cout << fmt::format("== {} ==\n", model);
    const harness::EvaluationOutcome outcome =
        harness::run_evaluation(model_request(options, plan, task_options, model, out_dir));
    for (const auto& skipped : outcome.report["skipped"]) {
      std::cout << fmt::format("  skipped {}: {}\n", skipped["task"].get<std::string>(),
                               skipped["reason"].get<std::string>());
    }
    std::cout << fmt::format("  report: {}\n\n", outcome.report_path.string());
    report_paths.push_back(outcome.report_path.string());
  }
  write_comparison(report_paths, out_dir);
  std::cout << fmt::format("total wall time: {:.1f} s on {} intra-op thread(s)\n",
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                           at::get_num_threads());
  std::cout << "Reminder: random-weight presets score at chance; evaluate a checkpoint (--model hf:DIR, gguf:FILE "
               "or smollm2-135m with `engram-bench eval`) on whole tasks for numbers that mean something.\n";
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand(
      "run", "The main job: tiny Engram vs tiny MoE (random weights) and SmolLM2-135M-Instruct (a trained checkpoint) "
             "on quick BBH/MMLU/HumanEval/RULER subsets, speed and offload, reports, a comparison table and an HTML page");
  run->add_option("--suite", options->suite, "quick (a few documents per task, minutes) or full (everything)")
      ->capture_default_str()->check(CLI::IsMember({"quick", "full"}));
  run->add_option("--models", options->models, "models to evaluate, the first being the comparison's reference")
      ->delimiter(',')->capture_default_str();
  run->add_option("--output-dir", options->output_dir, "where reports go (default: engram-bench-runs/<UTC time>)");
  run->add_option("--data-dir", options->data_dir, "dataset folder (default: $ENGRAM_DATA, else ../shared/datasets)");
  run->add_option("--tasks", options->tasks,
                  "evaluate these tasks instead of the suite's (eval's syntax, e.g. bbh:navigate,mmlu:anatomy,ruler:vt)");
  run->add_option("--limit", options->limit,
                  "documents per subtask instead of the suite's (quick: 2; RULER samples are capped by it too)")
      ->check(CLI::PositiveNumber);
  run->add_option("--seed", options->seed, "weights seed")->capture_default_str();
  run->add_flag("--resume", options->resume, "continue an interrupted run in --output-dir from its journals");
  run->add_flag("--no-speed", options->skip_speed, "skip the speed and offload measurements");
  run->add_flag("--quiet", options->quiet, "no progress bars");
  actions.emplace_back(run, [options] {
    options->argv = command_line();
    return run_main_job(*options);
  });
}

}  // namespace engram::cli
