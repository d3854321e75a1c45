// `engram-bench compare A.json B.json [more] [--reference paper:NAME] --format md|csv|latex|html`:
// the reports side by side, deltas against the first, paired tests on shared items.
// Exit 0, or 2 when an input is unusable (the message names the file and field).

#include <iostream>
#include <optional>

#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/report/compare_format.h"
#include "harness/report/compare_table.h"
#include "harness/report/paper_reference.h"

namespace engram::cli {
namespace {

struct CompareArguments {
  std::vector<std::string> reports;
  std::vector<std::string> references;
  std::string format = "md";
  std::string output;
  std::string detail = "tasks";
  std::string paper_dir;
  double alpha = 0.05;
  int resamples = 10000;
  uint64_t seed = 0;
  bool list_references = false;
};

int run_compare(const CompareArguments& args) {
  namespace r = engram::report;
  const std::filesystem::path paper_dir = args.paper_dir.empty() ? r::default_paper_dir() : std::filesystem::path(args.paper_dir);
  try {
    if (args.list_references) {
      for (const std::string& name : r::paper_reference_names(paper_dir)) std::cout << name << "\n";
      return 0;
    }
    if (args.reports.empty()) {
      std::cerr << "engram-bench compare: error: no reports given (compare A.json [B.json ...])\n";
      return 2;
    }
    const r::CompareFormat format = r::parse_compare_format(args.format);
    if (args.detail != "tasks" && args.detail != "subtasks") {
      std::cerr << "engram-bench compare: error: --detail must be tasks or subtasks, not \"" << args.detail << "\"\n";
      return 2;
    }
    std::vector<r::LoadedReport> reports;
    for (const std::string& spec : args.reports) reports.push_back(r::load_report_or_reference(spec, paper_dir));
    for (const std::string& spec : args.references) {
      if (!r::is_paper_reference(spec)) {
        std::cerr << "engram-bench compare: error: --reference " << spec << ": expected paper:NAME\n";
        return 2;
      }
      reports.push_back(r::load_paper_reference(spec, paper_dir));
    }
    r::make_labels_unique(reports);
    r::CompareOptions options;
    options.detail = args.detail == "subtasks" ? r::CompareDetail::subtasks : r::CompareDetail::tasks;
    options.alpha = args.alpha;
    options.bootstrap.resamples = args.resamples;
    options.bootstrap.seed = args.seed;
    const std::string text = r::render_comparison(r::compare_reports(reports, options), format);
    if (args.output.empty()) {
      std::cout << text;
    } else {
      write_file_atomically(args.output, text);
      std::cerr << "wrote " << args.output << "\n";
    }
    return 0;
  } catch (const r::ReportInputError& e) {
    std::cerr << "engram-bench compare: error: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "engram-bench compare: error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

void add_compare_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto args = std::make_shared<CompareArguments>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Reports side by side: deltas against the first, 95% CIs, paired tests (McNemar / paired bootstrap) and flips");
  cmd->add_option("reports", args->reports, "Report JSON files (or paper:NAME); the first is the baseline of the deltas");
  cmd->add_option("--reference", args->references, "Add the paper's published numbers as a column (paper:engram-27b, ...)");
  cmd->add_option("--format", args->format, "md, csv, latex or html")->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Write here (atomically) instead of standard output");
  cmd->add_option("--detail", args->detail, "tasks, or subtasks to add subtask and group rows")->capture_default_str();
  cmd->add_option("--alpha", args->alpha, "Significance level of the * marker (Holm-corrected per column)")
      ->capture_default_str();
  cmd->add_option("--bootstrap-resamples", args->resamples, "Resamples of the paired bootstrap")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the paired bootstrap")->capture_default_str();
  cmd->add_option("--paper-dir", args->paper_dir, "Folder of the paper's tables (default: results/paper)");
  cmd->add_flag("--list-references", args->list_references, "List the paper:NAME references and exit");
  actions.emplace_back(cmd, [args] { return run_compare(*args); });
}

}  // namespace engram::cli
