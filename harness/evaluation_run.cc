#include "harness/evaluation_run.h"

#include <chrono>
#include <memory>
#include <stdexcept>

#include "harness/engine/determinism_audit.h"
#include "harness/engine/engine_model.h"
#include "harness/progress.h"
#include "harness/report/samples_log.h"
#include "harness/torch_info.h"
#include "tasks/counting_model.h"
#include "tasks/data_error.h"
#include "tasks/journal.h"
#include "tasks/replay_model.h"

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
    bar_->update(p.done, p.from_journal ? std::to_string(p.from_journal) + " from journal" : "");
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

json report_model_section(const std::string& spec, const json& description, const std::string& batch_size_requested) {
  auto field = [&](const char* key) { return description.contains(key) ? description[key] : json(nullptr); };
  std::string family = description.value("family", std::string());
  if (family.empty()) family = description.value("kind", std::string("replay"));
  json engine = nullptr;
  if (description.contains("batch_size")) {
    engine = {{"batch_size", description["batch_size"]},
              {"max_length", field("max_length")},
              {"memory_plan", field("memory_plan")}};
    if (batch_size_requested == "auto") {
      engine["batch_size_requested"] = "auto";
    } else if (!batch_size_requested.empty()) {
      engine["batch_size_requested"] = std::stoll(batch_size_requested);
    }
  }
  return {{"spec", spec},
          {"name", description.value("name", spec)},
          {"family", family},
          {"dtype", description.value("dtype", std::string("n/a"))},
          {"device", description.value("device", std::string("n/a"))},
          {"config_sha256", field("config_sha256")},
          {"parameters", field("parameters")},
          {"checkpoint_sha256", field("checkpoint_sha256")},
          {"tokenizer_sha256", field("tokenizer_sha256")},
          {"weights_seed", field("weights_seed")},
          {"engine", engine}};
}

EvaluationOutcome run_evaluation(const EvaluationRequest& request) {
  if (request.report_path.empty()) throw std::invalid_argument("run_evaluation: no report path");
  const auto started = std::chrono::steady_clock::now();
  EvaluationOutcome outcome;
  outcome.report_path = request.report_path;
  outcome.journal_path = journal_path_for(request.report_path);
  if (fs::exists(outcome.journal_path) && !request.resume && !request.rescore) {
    throw std::invalid_argument("journal " + outcome.journal_path.string() +
                                " exists from an earlier run: pass --resume to continue it, or remove it to start over");
  }

  tasks::TaskOptions task_options = request.task_options;
  // Tasks are built before the model is loaded, so that a data problem shows in seconds; the
  // tokenizer they may need (RULER) is the model's, bound once it exists.
  tasks::LanguageModel* model_ptr = nullptr;
  task_options.encode = [&model_ptr](const std::string& text) {
    if (model_ptr == nullptr) {
      throw std::invalid_argument("this task sizes its prompts with the model's tokenizer, which is not loaded "
                                  "(rescoring from the journal cannot rebuild its prompts; rerun with the model)");
    }
    return model_ptr->encode(text);
  };
  std::vector<std::unique_ptr<tasks::Task>> task_list;
  report::ReportExtras extras;
  json task_names = json::array();
  for (const tasks::TaskSpec& spec : request.tasks) {
    try {
      task_list.push_back(tasks::TaskRegistry::builtin().create(spec, task_options));
      task_names.push_back(task_list.back()->name());
      for (const auto& [subtask, reason] : task_list.back()->skipped_subtasks()) {
        extras.skipped.push_back({{"task", task_list.back()->name() + ":" + subtask}, {"reason", reason}});
      }
    } catch (const tasks::DataMissingError& e) {
      if (!request.skip_missing_data) throw;
      extras.skipped.push_back({{"task", spec.name}, {"reason", e.what()}});
    }
  }

  json engine_report;
  std::unique_ptr<tasks::LanguageModel> model;
  if (request.rescore) {
    if (!fs::exists(outcome.journal_path)) {
      throw std::invalid_argument("--rescore: no journal " + outcome.journal_path.string() + " to score from");
    }
    if (request.determinism_audit || request.measure) {
      throw std::invalid_argument("--rescore runs no model: it cannot audit determinism or measure speed");
    }
  } else {
    model = make_language_model(request.model_spec, request.model_options, &engine_report);
  }
  model_ptr = model.get();
  auto* engine = dynamic_cast<EngineModel*>(model_ptr);
  if (request.determinism_audit && !engine) {
    throw std::invalid_argument("--determinism-audit needs a model the engine runs (a preset or hf:DIR), not " +
                                request.model_spec);
  }
  const double load_seconds = seconds_since(started);

  // human-eval samples files name problems by task_id, not by prompt: attach them to the prompts.
  if (auto* replay = dynamic_cast<tasks::ReplayModel*>(model_ptr); replay && replay->unbound_documents() > 0) {
    for (const auto& task : task_list) replay->bind_documents(task->instances(request.evaluate_options.limit));
  }

  fs::create_directories(fs::absolute(request.report_path).parent_path());
  tasks::Journal journal(outcome.journal_path);
  tasks::EvaluateOptions options = request.evaluate_options;
  options.journal = &journal;
  PhaseProgress progress(request.model_spec, request.quiet);
  options.progress = [&progress](const tasks::EvaluateProgress& p) { progress(p); };
  const auto eval_started = std::chrono::steady_clock::now();
  std::optional<RecordingModel> recording;
  if (request.determinism_audit) recording.emplace(*model);
  std::optional<tasks::CountingModel> counting;
  if (model) counting.emplace(recording ? static_cast<tasks::LanguageModel&>(*recording) : *model);
  json evaluation = !model ? tasks::rescore_from_journal(raw_pointers(task_list), options)
                           : tasks::evaluate(*counting, task_list, options);
  const double eval_seconds = seconds_since(eval_started);
  json audit = nullptr;
  if (recording) {
    DeterminismAuditOptions audit_options;
    audit_options.requests_per_kind = *request.determinism_audit;
    audit_options.original_batch_size = engine->options().batch_size;
    audit_options.audit_batch_size = default_audit_batch_size(audit_options.original_batch_size);
    audit = audit_determinism(*model, *recording, audit_options,
                              [engine](int64_t size) { engine->mutable_options().batch_size = size; });
  }

  if (request.measure && model) request.measure(*model, extras);

  if (request.write_samples_log && evaluation.contains("samples")) {
    const fs::path log_path = samples_log_path_for(request.report_path);
    const report::SamplesLogInfo info = report::write_samples_log(log_path, evaluation["samples"]);
    extras.samples_log = info.to_report_json(request.report_path);
    outcome.samples_log_path = log_path;
  }

  report::ContextInputs inputs;
  add_torch_context(inputs);
  inputs.command_line = request.command_line;
  inputs.seeds = {{"weights", request.model_options.seed}};
  const report::ReportContext context = report::collect_report_context(inputs);

  json config = {{"suite", request.suite},
                 {"tasks", task_names},
                 {"limit", options.limit ? json(*options.limit) : json(nullptr)},
                 {"data_dir", request.task_options.data_dir.string()},
                 {"max_new_tokens", options.max_new_tokens ? json(*options.max_new_tokens) : json(nullptr)}};
  extras.load_seconds = load_seconds;
  extras.eval_seconds = eval_seconds;
  extras.wall_seconds = seconds_since(started);
  // Rescoring reports the model the journal recorded, whatever spec the command line gave.
  const std::string spec = request.rescore ? evaluation["model"].value("spec", request.model_spec) : request.model_spec;
  json model_section = report_model_section(spec, evaluation["model"], request.batch_size_requested);
  if (!engine_report.is_null()) model_section["engine"] = engine_report;
  json report = report::make_report(context, model_section, config, evaluation, extras);
  if (!audit.is_null()) report["determinism_audit"] = audit;
  // Run-dependent, like the timings: how much the journal answered.
  report["journal"] = {{"path", outcome.journal_path.filename().string()},
                       {"reused", evaluation["journal"]["reused"]},
                       {"model_requests", counting ? counting->counts() : json(nullptr)},
                       {"torn_lines", evaluation["journal"]["torn_lines"]}};
  report["model_fingerprint"] = evaluation["model_fingerprint"];
  report::write_report(request.report_path.string(), report);
  outcome.report = std::move(report);
  return outcome;
}

}  // namespace engram::harness
