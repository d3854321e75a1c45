#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/model_factory.h"
#include "tasks/data_dir.h"
#include "tasks/evaluator.h"
#include "tasks/registry.h"

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
};

std::string format_value(const nlohmann::json& metric) {
  if (metric["value"].is_null()) return "n/a";
  std::string text = fmt::format("{:.4f}", metric["value"].get<double>());
  if (!metric["stderr"].is_null()) text += fmt::format(" ± {:.4f}", metric["stderr"].get<double>());
  return text;
}

int run_eval(EvalOptions options) {
  const auto started = std::chrono::steady_clock::now();
  if (!options.tokenizer.empty()) options.spec.tokenizer_dir = options.tokenizer;
  tasks::TaskOptions task_options;
  task_options.data_dir = tasks::resolve_data_dir(options.data_dir.empty() ? std::nullopt
                                                                          : std::optional<std::filesystem::path>(options.data_dir));
  std::vector<std::unique_ptr<tasks::Task>> task_list;
  for (const tasks::TaskSpec& spec : tasks::parse_task_list(options.tasks)) {
    task_list.push_back(tasks::TaskRegistry::builtin().create(spec, task_options));
  }
  std::unique_ptr<tasks::LanguageModel> model = harness::make_language_model(options.model, options.spec);
  tasks::EvaluateOptions evaluate_options;
  evaluate_options.limit = options.limit;
  evaluate_options.log_samples = options.log_samples;
  nlohmann::json result = tasks::evaluate(*model, task_list, evaluate_options);
  result["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!options.output.empty()) write_file_atomically(options.output, result.dump(1) + "\n");

  std::cout << fmt::format("model {}  ({:.1f} s)\n", options.model, result["wall_seconds"].get<double>());
  std::cout << fmt::format("{:<22} {:<26} {:>22} {:>7} {:>6}\n", "task", "metric", "value", "n", "unparseable");
  for (const auto& [name, task] : result["results"].items()) {
    const std::string primary = task["primary_metric"].get<std::string>();
    std::cout << fmt::format("{:<22} {:<26} {:>22} {:>7} {:>6}\n", name, primary, format_value(task["metrics"][primary]),
                             task["n"].dump(), task["counts"]["unparseable"].dump());
  }
  if (!options.output.empty()) std::cout << "results written to " << options.output << "\n";
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* eval = app.add_subcommand("eval", "Evaluate a model on benchmark tasks");
  eval->add_option("--model", options->model, "PRESET | hf:DIR | replay:FILE")->required();
  eval->add_option("--tasks", options->tasks, "comma-separated tasks, e.g. bbh_cot_fewshot:navigate,mmlu:stem")
      ->required();
  eval->add_option("--data-dir", options->data_dir, "dataset folder (default: $ENGRAM_DATA, else ../shared/datasets)");
  eval->add_option("--output", options->output, "write the results JSON here (atomically)");
  eval->add_option("--limit", options->limit, "first N documents of every subtask (quick runs)");
  eval->add_flag("!--no-samples", options->log_samples, "leave per-sample records out of the output");
  eval->add_option("--tokenizer", options->tokenizer, "tokenizer folder (default: the model's, else DeepSeek-V3)");
  eval->add_option("--seed", options->spec.seed, "weights seed for presets")->capture_default_str();
  eval->add_option("--batch-size", options->spec.batch_size, "sequences per forward")->capture_default_str()
      ->check(CLI::PositiveNumber);
  eval->add_option("--max-length", options->spec.max_length, "context window in tokens")->capture_default_str()
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 20));
  actions.emplace_back(eval, [options] { return run_eval(*options); });
}

}  // namespace engram::cli
