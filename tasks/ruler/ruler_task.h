#pragma once
// RULER (Hsieh et al. 2024) as a task: its 13 synthetic tasks generated natively, sample for sample
// what NVIDIA/RULER's generators make from the same tokenizer, data and seed, at each target length
// in the evaluated model's tokens. Subtasks are
// "<task>@<length>" (e.g. "niah_single_1@4096"); groups give the paper's eight categories (S, MK,
// MV, MQ, VT, CWE, FWE, QA), each per length, and the average over tasks at each length
// ("all@4096"). The headline value is the mean over all subtasks (every subtask has the same number
// of samples, so this is RULER's average over tasks, and over lengths).
//
// Selection (registry "ruler:..."): task names and category names joined by '+', e.g.
// "ruler:niah_single_1+vt" or "ruler:S+MK". Options: RulerOptions (lengths, samples, seed) and
// CommonTaskOptions (encode, required for instances; data_dir).
//
// Skipped subtasks: qa_1/qa_2 need user-supplied SQuAD/HotpotQA files. Selected by name (or as
// the QA category) without their file they raise DataMissingError; when the whole benchmark is
// selected they are left out, listed by skipped_subtasks() with the reason, and the per-length
// average is then named "all_without_qa@L". Lengths above the model's context window are skipped
// too ("all@L"). Skips are part of the protocol, so they change the fingerprint.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tasks/registry.h"
#include "tasks/ruler/length_fit.h"
#include "tasks/ruler/qa_data.h"
#include "tasks/ruler/ruler_sources.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"
#include "tasks/task.h"

namespace engram::tasks::ruler {

struct RulerTaskConfig {
  std::vector<std::string> tasks;  // RULER task names, in RULER's order
  std::vector<int64_t> lengths = {4096};
  size_t num_samples = 500;
  uint64_t seed = 42;
  TokenCounter count;  // tokens of a text in the evaluated model; required for instances()
};

class RulerTask : public Task {
 public:
  using Skipped = std::vector<std::pair<std::string, std::string>>;  // (subtask or task, reason)

  RulerTask(RulerTaskConfig config, std::shared_ptr<const RulerSources> sources, std::map<std::string, QaData> qa,
            Skipped skipped = {});

  std::string name() const override { return "ruler"; }
  std::string version() const override { return "2"; }  // 2: upstream's samples byte for byte
  RequestType request_type() const override { return RequestType::generate_until; }
  std::vector<std::string> subtasks() const override { return subtasks_; }
  size_t subtask_size(const std::string& subtask) const override;
  std::vector<Instance> instances(std::optional<size_t> limit) const override;
  SampleRecord score(const Instance& instance, const InstanceResponse& response) const override;
  std::vector<MetricSpec> metrics() const override;
  std::vector<SubtaskGroup> groups() const override;
  nlohmann::json protocol() const override;
  nlohmann::json subtask_protocol(const std::string& subtask) const override;

  // What was left out and why; the caller lists these as skipped.
  std::vector<std::pair<std::string, std::string>> skipped_subtasks() const override { return skipped_; }

  // The fitted samples of one subtask (first `count` of them), with their lengths: what
  // instances() turns into requests. For tests and inspection.
  std::vector<FittedSample> generate_samples(const std::string& subtask, size_t count) const;

 private:
  std::unique_ptr<SampleGenerator> make_generator(const RulerTaskSpec& spec) const;
  const TokenCounter& counter() const;

  RulerTaskConfig config_;
  std::shared_ptr<const RulerSources> sources_;
  std::map<std::string, QaData> qa_;  // dataset -> data
  Skipped skipped_;
  std::vector<std::string> subtasks_;
};

// The registry factory: reads the sources and QA files, applies the selection and the skip rules.
// Lengths above options.context_window are skipped as "all@<length>"; when none is left it throws
// TaskNotApplicable.
std::unique_ptr<RulerTask> make_ruler_task(const CommonTaskOptions& common, const RulerOptions& options);

// The lengths a RULER task built from `options` would generate (RULER's default when none are given).
std::vector<int64_t> requested_lengths(const RulerOptions& options);

}  // namespace engram::tasks::ruler
