#pragma once
// One evaluation of one model, from a spec to a report on disk, shared by `eval` and `run`:
// load the model, build the tasks (listing those whose data is missing as skipped when asked),
// evaluate through the crash-safe journal with progress bars, then write the per-sample log and
// the versioned report (docs/report-format.md) atomically.
//
// Files, for a report at DIR/NAME.json: the journal DIR/NAME.journal.jsonl (kept, so that a later
// --resume or a rescore can use it) and the samples log DIR/NAME.samples.jsonl.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model_factory.h"
#include "harness/report/report.h"
#include "tasks/evaluator.h"
#include "tasks/registry.h"

namespace engram::harness {

struct EvaluationRequest {
  std::string model_spec;
  ModelSpecOptions model_options;
  std::vector<tasks::TaskSpec> tasks;
  tasks::TaskOptions task_options;    // data_dir and friends; encode is filled from the model
  tasks::EvaluateOptions evaluate_options;  // limit, generation cap, chunking (journal/progress set here)
  bool skip_missing_data = false;     // missing data: a "skipped" entry instead of an error
  std::filesystem::path report_path;  // required
  bool resume = false;                // reuse the journal next to the report
  // Score from the journal alone: no model is loaded; every instance must be in the journal, and
  // the report's model section is the journal's record of the model.
  bool rescore = false;
  bool write_samples_log = true;
  std::string suite = "custom";       // "quick" | "full" | "custom"
  std::vector<std::string> command_line;
  bool quiet = false;                 // no progress bars
  // Rerun the first N requests of each kind at another batch size and report flips
  // (engine/determinism_audit.h); the report gets a "determinism_audit" section.
  std::optional<size_t> determinism_audit;
  // Runs after the evaluation with the loaded model, to add the speed and offload sections.
  std::function<void(tasks::LanguageModel&, report::ReportExtras&)> measure;
};

struct EvaluationOutcome {
  nlohmann::json report;
  std::filesystem::path report_path;
  std::filesystem::path journal_path;
  std::optional<std::filesystem::path> samples_log_path;
};

// The journal and samples-log paths that go with a report path.
std::filesystem::path journal_path_for(const std::filesystem::path& report_path);
// Rank R's journal in a data-parallel run (R > 0; rank 0 keeps the report's): DIR/NAME.journal.rankR.jsonl.
std::filesystem::path rank_journal_path_for(const std::filesystem::path& report_path, int rank);
// The rank journals next to a report, whatever world size wrote them.
std::vector<std::filesystem::path> rank_journals_for(const std::filesystem::path& report_path);
std::filesystem::path samples_log_path_for(const std::filesystem::path& report_path);

// Under torchrun with more than one rank (harness/distributed/launched_context.h) the evaluation is
// data-parallel: each rank answers its share of the requests into its own journal, and rank 0
// collects the answers into the report's journal, scores and writes the report and samples log; on
// the other ranks the outcome's report is null. A resume, in one process or many, reads every
// rank's journal; a finished run leaves only the report's.
//
// Throws std::invalid_argument when the journal exists and resume is off (nothing is lost: the
// message says to pass --resume or remove the file), tasks::DataMissingError / DataError for data
// problems that are not skipped, and report::ReportValidationError if the report breaks its schema.
EvaluationOutcome run_evaluation(const EvaluationRequest& request);

// The report's "model" section from a model's describe() and its engine section (null for models
// without an engine; docs/report-format.md).
nlohmann::json report_model_section(const std::string& spec, const nlohmann::json& description,
                                    const nlohmann::json& engine);

}  // namespace engram::harness
