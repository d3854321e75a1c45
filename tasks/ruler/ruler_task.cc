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

// Runs fn(i) for i in [0, n) on several threads; the first exception is rethrown.
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
      if (spec.family == Family::common_words_extraction && config_.count) {
        // The pool can run out only when even one token per list item would not fill the budget.
        const CommonWordsGenerator cwe(spec, *sources_, config_.seed, length);
        const LengthTarget target{length, spec.family_template().tokens_to_generate};
        if (static_cast<int64_t>(cwe.pool_size() * static_cast<size_t>(spec.freq_uncommon)) < target.prompt_budget()) {
          RulerRandom random(derive_seed(config_.seed, "cwe-pool", static_cast<uint64_t>(length)));
          const int64_t tokens = config_.count(cwe.generate(cwe.pool_size(), 0, random).prompt());
          if (tokens <= target.prompt_budget()) {
            skipped_.emplace_back(name, "the list would need more than the " + std::to_string(cwe.pool_size()) +
                                            " distinct words of the wonderwords pool (all of them take " +
                                            std::to_string(tokens) + " of " + std::to_string(target.prompt_budget()) +
                                            " prompt tokens); RULER then draws from english_words.json, which is not "
                                            "available (see ruler/MANIFEST.md)");
            continue;
          }
        }
      }
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

std::unique_ptr<SampleGenerator> RulerTask::make_generator(const RulerTaskSpec& spec, int64_t length) const {
  switch (spec.family) {
    case Family::niah: return std::make_unique<NiahGenerator>(spec, *sources_, config_.seed, length);
    case Family::variable_tracking:
      return std::make_unique<VariableTrackingGenerator>(spec, config_.seed, length, counter());
    case Family::common_words_extraction:
      return std::make_unique<CommonWordsGenerator>(spec, *sources_, config_.seed, length);
    case Family::freq_words_extraction: return std::make_unique<FreqWordsGenerator>(spec, config_.seed, length);
    case Family::qa: return std::make_unique<QaGenerator>(spec, qa_.at(spec.qa_dataset), config_.seed);
  }
  throw std::logic_error("unknown RULER family");
}

std::vector<FittedSample> RulerTask::generate_samples(const std::string& subtask, size_t count) const {
  subtask_size(subtask);
  const auto parsed = parse_subtask_name(subtask);
  const auto& spec = spec_of(parsed.task);
  const int64_t length = *parsed.length;
  const auto& tokens = counter();
  const auto generator = make_generator(spec, length);
  const LengthTarget target{length, spec.family_template().tokens_to_generate};
  const auto stream = static_cast<uint64_t>(length);
  const size_t size = search_haystack_size(*generator, tokens, target, derive_seed(config_.seed, "search:" + spec.name, stream));
  std::vector<FittedSample> out(std::min(count, config_.num_samples));
  parallel_for(out.size(), [&](size_t i) {
    out[i] = fit_sample(*generator, tokens, target, size, i, derive_seed(config_.seed, spec.name, stream, i));
  });
  return out;
}

std::vector<Instance> RulerTask::instances(std::optional<size_t> limit) const {
  std::vector<Instance> out;
  for (const auto& subtask : subtasks_) {
    const auto& spec = spec_of(parse_subtask_name(subtask).task);
    const auto samples = generate_samples(subtask, limit ? *limit : config_.num_samples);
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
      {"generation", "native (C++), following RULER's generators; seeded, not bit-identical to Python's random"},
      {"seed", config_.seed},
      {"samples_per_task", config_.num_samples},
      {"lengths", config_.lengths},
      {"length_rule",
       "tokens(input + answer_prefix) + tokens_to_generate <= length, in the evaluated model's tokens "
       "(TaskOptions::encode, including any BOS it adds); haystack size by RULER's binary search (FWE: linear "
       "growth by budget/32 words); a sample that overshoots shrinks by one haystack unit at a time (FWE: an "
       "eighth of its step; RULER: a whole increment) keeping its random content; a search bound that fits is "
       "doubled"},
      {"decoding", "greedy, no stop strings, max_new_tokens = the family's tokens_to_generate"},
      {"scoring", "prediction strip, control characters -> \\n, strip; string_match_all / string_match_part, "
                  "case-insensitive (Python str.lower), per sample in [0, 1]"},
      {"aggregation", "mean per subtask; groups and task: mean over subtasks (equal sizes), i.e. RULER's average over tasks"},
      {"deviations",
       {"random source: mt19937_64 with per-sample streams (sample i does not depend on how many are generated)",
        "essay sentences: rule-based splitter instead of nltk punkt (only needle depths depend on it)",
        "NIAH word keys: uniform over (adjective, noun) pairs of the deduplicated lists",
        "distractor needles never reuse a queried key; VT names are distinct and never 'VAR'",
        "CWE lengths beyond the wonderwords pool are skipped (english_words.json unavailable)"}},
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
  if (!options.lengths.empty()) config.lengths = options.lengths;
  if (options.samples) config.num_samples = *options.samples;
  if (options.seed) config.seed = *options.seed;
  if (common.encode) {
    auto encode = common.encode;
    config.count = [encode](const std::string& text) { return static_cast<int64_t>(encode(text).size()); };
  }
  auto sources = std::make_shared<const RulerSources>(load_ruler_sources(common.data_dir));

  std::map<std::string, QaData> qa;
  RulerTask::Skipped skipped;
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
