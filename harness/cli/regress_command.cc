// `engram-bench regress --baseline B.json --current C.json`: the CI gate. Exit 1 on a significant
// accuracy drop (paired test, Holm-corrected across tasks), a throughput drop beyond the tolerance,
// or a task, metric, per-item vector or speed row of the baseline missing from the current report
// (unless --allow-missing); 0 otherwise, 2 when an input is unusable. Prints every row with the reason.

#include <iostream>

#include <nlohmann/json.hpp>

#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/report/paper_reference.h"
#include "harness/report/regress.h"

namespace engram::cli {
namespace {

struct RegressArguments {
  std::string baseline;
  std::string current;
  std::string format = "md";
  std::string output;
  std::string paper_dir;
  double alpha = 0.05;
  double speed_tolerance = 0.05;
  bool strict_protocol = false;
  bool allow_missing = false;
  int resamples = 10000;
  uint64_t seed = 0;
};

int run_regress(const RegressArguments& args) {
  namespace r = engram::report;
  if (args.format != "md" && args.format != "json") {
    std::cerr << "engram-bench regress: error: --format must be md or json, not \"" << args.format << "\"\n";
    return 2;
  }
  if (!(args.alpha > 0 && args.alpha < 1) || !(args.speed_tolerance >= 0)) {
    std::cerr << "engram-bench regress: error: --alpha must be in (0, 1) and --speed-tolerance >= 0\n";
    return 2;
  }
  try {
    const std::filesystem::path paper_dir = args.paper_dir.empty() ? r::default_paper_dir() : std::filesystem::path(args.paper_dir);
    const r::LoadedReport baseline = r::load_report_or_reference(args.baseline, paper_dir);
    const r::LoadedReport current = r::load_report_or_reference(args.current, paper_dir);
    r::RegressOptions options;
    options.alpha = args.alpha;
    options.speed_tolerance = args.speed_tolerance;
    options.strict_protocol = args.strict_protocol;
    options.allow_missing = args.allow_missing;
    options.bootstrap.resamples = args.resamples;
    options.bootstrap.seed = args.seed;
    const r::RegressResult result = r::regress(baseline, current, options);
    const std::string text = args.format == "json" ? r::regress_json(result, baseline.source, current.source).dump(2) + "\n"
                                                   : r::render_regress_markdown(result, baseline.source, current.source);
    if (args.output.empty()) {
      std::cout << text;
    } else {
      write_file_atomically(args.output, text);
      std::cerr << (result.failed() ? "REGRESSION" : "OK") << "; wrote " << args.output << "\n";
    }
    return result.failed() ? 1 : 0;
  } catch (const r::ReportInputError& e) {
    std::cerr << "engram-bench regress: error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

void add_regress_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto args = std::make_shared<RegressArguments>();
  CLI::App* cmd = app.add_subcommand(
      "regress", "CI gate: exit 1 on a significant accuracy drop, a throughput drop beyond the tolerance, or baseline rows "
                 "missing from the current report");
  cmd->add_option("--baseline", args->baseline, "The baseline report")->required();
  cmd->add_option("--current", args->current, "The report to check")->required();
  cmd->add_option("--alpha", args->alpha, "Family-wise significance level (Holm across tasks)")->capture_default_str();
  cmd->add_option("--speed-tolerance", args->speed_tolerance, "Largest allowed relative throughput drop")
      ->capture_default_str();
  cmd->add_flag("--strict-protocol", args->strict_protocol, "Fail when a task's protocol fingerprint differs");
  cmd->add_flag("--allow-missing", args->allow_missing,
                "Report, but do not fail on, tasks, metrics, per-item values or speed rows of the baseline that the "
                "current report lacks");
  cmd->add_option("--format", args->format, "md or json")->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Write here (atomically) instead of standard output");
  cmd->add_option("--bootstrap-resamples", args->resamples, "Resamples of the paired bootstrap")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the paired bootstrap")->capture_default_str();
  cmd->add_option("--paper-dir", args->paper_dir, "Folder of the paper's tables (default: results/paper)");
  actions.emplace_back(cmd, [args] { return run_regress(*args); });
}

}  // namespace engram::cli
