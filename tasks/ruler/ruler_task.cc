#include "tasks/ruler/ruler_task.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "tasks/data_error.h"
#include "tasks/ruler/common_words_generator.h"
#include "tasks/ruler/freq_words_generator.h"
#include "tasks/ruler/niah_generator.h"
#include "tasks/ruler/qa_generator.h"
#include "tasks/ruler/ruler_instances.h"
#include "tasks/ruler/variable_tracking_generator.h"

namespace engram::tasks::ruler {
namespace {

constexpr int64_t kMinLength = 1024;
constexpr int64_t kMaxLength = 131072;

const RulerTaskSpec& spec_of(const std::string& task) {
  for (const auto& s : ruler_task_specs()) {
    if (s.name == task) return s;
  }
  throw std::invalid_argument("ruler: unknown task '" + task + "'");
}

// Runs fn(i) for i in [0, n) on several threads; the first exception is rethrown. (Subtasks draw
// from their own streams, so they can be generated side by side; samples within one cannot.)
template <typename Fn>
void parallel_for(size_t n, Fn fn) {
  const size_t workers = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::mutex mutex;
  std::exception_ptr error;
  size_t next = 0;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      while (true) {
        size_t i;
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (error || next >= n) return;
          i = next++;
        }
        try {
          fn(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!error) error = std::current_exception();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

RulerTask::RulerTask(RulerTaskConfig config, std::shared_ptr<const RulerSources> sources,
                     std::map<std::string, QaData> qa, Skipped skipped)
    : config_(std::move(config)), sources_(std::move(sources)), qa_(std::move(qa)), skipped_(std::move(skipped)) {
  if (!sources_) throw std::invalid_argument("ruler: no source data");
  if (config_.lengths.empty()) throw std::invalid_argument("ruler: no lengths");
  for (int64_t length : config_.lengths) {
    if (length < kMinLength || length > kMaxLength) {
      throw std::invalid_argument("ruler: length " + std::to_string(length) + " is outside " +
                                  std::to_string(kMinLength) + ".." + std::to_string(kMaxLength) + " tokens");
    }
  }
  if (config_.num_samples == 0) throw std::invalid_argument("ruler: the number of samples must be positive");
  for (const auto& [dataset, data] : qa_) {
    if (config_.num_samples > data.questions.size()) {
      throw std::invalid_argument("ruler: " + std::to_string(config_.num_samples) + " samples asked for, but " +
                                  data.path.string() + " has " + std::to_string(data.questions.size()) +
                                  " usable questions");
    }
  }
  const std::set<std::string> skipped_names = [&] {
    std::set<std::string> s;
    for (const auto& [name, _] : skipped_) s.insert(name);
    return s;
  }();
  // Length-major, as RULER's tables read: every task at 4096, then every task at 8192, ...
  for (int64_t length : config_.lengths) {
    for (const auto& task : config_.tasks) {
      const auto& spec = spec_of(task);
      if (spec.family == Family::qa && !qa_.count(spec.qa_dataset)) {
        throw std::invalid_argument("ruler: " + task + " selected without its " + spec.qa_dataset + " data");
      }
      const std::string name = subtask_name(task, length);
      if (skipped_names.count(name) || skipped_names.count(task)) continue;
      subtasks_.push_back(name);
    }
  }
}

const TokenCounter& RulerTask::counter() const {
  if (!config_.count) {
    throw std::logic_error(
        "ruler: no tokenizer (CommonTaskOptions::encode is unset); RULER sizes every prompt in the evaluated model's "
        "tokens, so it cannot generate samples without one");
  }
  return config_.count;
}

size_t RulerTask::subtask_size(const std::string& subtask) const {
  if (std::find(subtasks_.begin(), subtasks_.end(), subtask) == subtasks_.end()) {
    throw std::invalid_argument("task ruler has no subtask '" + subtask + "'");
  }
  return config_.num_samples;
}

std::unique_ptr<SampleGenerator> RulerTask::make_generator(const RulerTaskSpec& spec) const {
  switch (spec.family) {
    case Family::niah: return std::make_unique<NiahGenerator>(spec, *sources_);
    case Family::variable_tracking: return std::make_unique<VariableTrackingGenerator>(spec);
    case Family::common_words_extraction: return std::make_unique<CommonWordsGenerator>(spec, *sources_, config_.seed);
    case Family::freq_words_extraction: return std::make_unique<FreqWordsGenerator>(spec);
    case Family::qa: return std::make_unique<QaGenerator>(spec, qa_.at(spec.qa_dataset));
  }
  throw std::logic_error("unknown RULER family");
}

std::vector<FittedSample> RulerTask::generate_samples(const std::string& subtask, size_t count) const {
  subtask_size(subtask);
  const auto parsed = parse_subtask_name(subtask);
  const auto& spec = spec_of(parsed.task);
  // Upstream seeds random and numpy afresh for each task and length, and draws through the size
  // search and then sample after sample: the first `count` samples are those of any longer run.
  RulerStreams streams(config_.seed);
  return make_generator(spec)->generate_samples(std::min(count, config_.num_samples), counter(), *parsed.length, streams);
}

std::vector<Instance> RulerTask::instances(std::optional<size_t> limit) const {
  std::vector<std::vector<FittedSample>> per_subtask(subtasks_.size());
  parallel_for(subtasks_.size(), [&](size_t s) {
    per_subtask[s] = generate_samples(subtasks_[s], limit ? *limit : config_.num_samples);
  });
  std::vector<Instance> out;
  for (size_t s = 0; s < subtasks_.size(); ++s) {
    const auto& subtask = subtasks_[s];
    const auto& spec = spec_of(parse_subtask_name(subtask).task);
    const auto& samples = per_subtask[s];
    for (size_t i = 0; i < samples.size(); ++i) {
      out.push_back(ruler_instance(subtask, i, samples[i].sample.prompt(), samples[i].sample.outputs,
                                   spec.family_template().tokens_to_generate));
    }
  }
  return out;
}

SampleRecord RulerTask::score(const Instance& instance, const InstanceResponse& response) const {
  const auto& spec = spec_of(parse_subtask_name(instance.subtask).task);
  return score_ruler_response(instance, response, spec.family_template().metric);
}

std::vector<MetricSpec> RulerTask::metrics() const { return {ruler_metric()}; }

std::vector<SubtaskGroup> RulerTask::groups() const { return ruler_groups(subtasks_); }

nlohmann::json RulerTask::protocol() const {
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& [name, reason] : skipped_) skipped.push_back({{"subtask", name}, {"reason", reason}});
  nlohmann::json qa = nlohmann::json::object();
  for (const auto& [dataset, data] : qa_) {
    qa[dataset] = {{"file", data.path.filename().string()}, {"sha256", data.sha256}, {"questions", data.questions.size()}};
  }
  return {
      {"task", "ruler"},
      {"version", version()},
      {"reference", "NVIDIA/RULER @ c3f5e3b4f87f (scripts/data/synthetic/*.py, synthetic.yaml, scripts/eval)"},
      {"generation",
       "native (C++), upstream's samples byte for byte: CPython random.Random and numpy RandomState (seed) "
       "drawn in upstream's order, nltk punkt (English punkt_tab) for essay sentences"},
      {"seed", config_.seed},
      {"samples_per_task", config_.num_samples},
      {"lengths", config_.lengths},
      {"length_rule",
       "tokens(input + answer_prefix) + tokens_to_generate <= length, counted without added tokens (upstream's "
       "tokenizer.tokenize); haystack size by upstream's binary search (FWE: linear growth by budget // 32 words); "
       "a sample that overshoots drops a whole increment, as upstream"},
      {"decoding", "greedy, no stop strings, max_new_tokens = the family's tokens_to_generate"},
      {"scoring", "prediction strip, control characters -> \\n, strip; string_match_all / string_match_part, "
                  "case-insensitive (Python str.lower), per sample in [0, 1]"},
      {"aggregation", "mean per subtask; groups and task: mean over subtasks (equal sizes), i.e. RULER's average over tasks"},
      {"deviations",
       {"CWE lists beyond the wonderwords pool need upstream's english_words.json (Git-LFS, not public): "
        "without it they fail instead of running",
        "where upstream crashes or loops (repeated VT names, a sample that never fits) we stop with an error"}},
      {"sources", sources_->describe()},
      {"qa_data", qa},
      {"skipped", skipped},
  };
}

nlohmann::json RulerTask::subtask_protocol(const std::string& subtask) const {
  const auto parsed = parse_subtask_name(subtask);
  nlohmann::json out = spec_of(parsed.task).describe();
  out["task"] = parsed.task;
  out["length"] = parsed.length ? nlohmann::json(*parsed.length) : nlohmann::json(nullptr);
  return out;
}

std::vector<int64_t> requested_lengths(const RulerOptions& options) {
  return options.lengths.empty() ? RulerTaskConfig{}.lengths : options.lengths;
}

std::unique_ptr<RulerTask> make_ruler_task(const CommonTaskOptions& common, const RulerOptions& options) {
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& c : ruler_categories()) groups[c.name] = c.tasks;
  const auto names = ruler_task_names();
  const auto selected = select_subtasks("ruler", common.selection, names, groups);
  // QA named explicitly (by task or by the QA category) must have its data; otherwise it is skipped.
  std::set<std::string> explicit_qa;
  for (const auto& item : common.selection) {
    if (item == "qa_1" || item == "qa_2") explicit_qa.insert(item);
    if (item == "QA") explicit_qa.insert({"qa_1", "qa_2"});
  }

  RulerTaskConfig config;
  RulerTask::Skipped skipped;
  config.lengths.clear();
  for (int64_t length : requested_lengths(options)) {
    if (options.context_window && length > *options.context_window) {
      skipped.emplace_back("all@" + std::to_string(length),
                           std::to_string(length) + " tokens exceed the model's context window of " +
                               std::to_string(*options.context_window) + " (not evaluated on a cut prompt)");
    } else {
      config.lengths.push_back(length);
    }
  }
  if (config.lengths.empty()) {
    throw TaskNotApplicable("every RULER length exceeds the model's context window of " +
                            std::to_string(*options.context_window) + " tokens");
  }
  if (options.samples) config.num_samples = *options.samples;
  if (options.seed) config.seed = *options.seed;
  if (common.encode) {
    auto encode = common.encode;
    // Upstream counts tokenizer.tokenize(text): no BOS or other added tokens. The model's encode may
    // add them; what it adds to the empty text is what it adds to every text.
    config.count = [encode](const std::string& text) {
      return static_cast<int64_t>(encode(text).size()) - static_cast<int64_t>(encode("").size());
    };
  }
  auto sources = std::make_shared<const RulerSources>(load_ruler_sources(common.data_dir));

  std::map<std::string, QaData> qa;
  for (const auto& task : selected) {
    const auto& spec = spec_of(task);
    if (spec.family != Family::qa) {
      config.tasks.push_back(task);
      continue;
    }
    if (!std::filesystem::is_regular_file(qa_data_path(common.data_dir, spec.qa_dataset)) && !explicit_qa.count(task)) {
      skipped.emplace_back(task, "missing " + qa_data_path(common.data_dir, spec.qa_dataset).string() + ". " +
                                     qa_how_to_get(spec.qa_dataset));
      continue;
    }
    qa.emplace(spec.qa_dataset, load_qa_data(common.data_dir, spec.qa_dataset));  // throws DataMissingError
    config.tasks.push_back(task);
  }
  return std::make_unique<RulerTask>(std::move(config), std::move(sources), std::move(qa), std::move(skipped));
}

}  // namespace engram::tasks::ruler
