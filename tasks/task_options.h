#pragma once
// What a task is built from: the options every task takes, and each task family's own. A task's
// factory receives the common options and its family's struct only; TaskOptions carries them all
// for a run over several tasks (the eval verb builds it from its flags), and the registry hands
// each task its part. A family's option given to a task of another family is refused by the
// registry (tasks/builtin_tasks.cc) where it would change the protocol, rather than ignored.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace engram::tasks {

struct CommonTaskOptions {
  std::filesystem::path data_dir;      // see data_dir.h (resolve_data_dir)
  std::vector<std::string> selection;  // subtasks/groups; empty = all
  // The evaluated model's tokenizer, for tasks that size prompts in its tokens (RULER). Called from
  // several threads at once, so it must be thread-safe. Tasks that need it and find it unset fail
  // when asked for instances (listing and fingerprints work without it).
  std::function<std::vector<int64_t>(const std::string&)> encode;
};

struct MmluOptions {
  std::optional<size_t> num_fewshot;  // 0..5; unset = 5 (other tasks refuse it)
};

struct HumanEvalOptions {
  // Sampled generation with n samples per document (pass@k); unset = the greedy protocol (pass@1).
  struct Sampling {
    int64_t n = 1;             // samples per document
    double temperature = 0.2;  // lm-eval humaneval_64 / Codex paper defaults
    double top_p = 0.95;
    uint64_t seed = 1234;      // sample j of document i uses seed + i * n + j
  };
  std::optional<Sampling> sampling;  // tasks without a sampled protocol refuse it
};

struct RulerOptions {
  std::vector<int64_t> lengths;              // target lengths in tokens (1024..131072); empty = {4096}
  std::optional<size_t> samples;             // samples per task per length; unset = 500 (RULER's default)
  std::optional<uint64_t> seed;              // seed of the generated prompts; unset = 42 (RULER's default)
  std::vector<std::filesystem::path> files;  // ruler_jsonl: the JSONL files upstream RULER generated
  // The evaluated model's context window: lengths above it are left out and listed as skipped
  // (never evaluated on a cut prompt). Unset: every length is kept.
  std::optional<int64_t> context_window;
};

// BBH has no options of its own: each variant's shots and prompts are fixed (bbh_task.h).
struct TaskOptions : CommonTaskOptions {
  MmluOptions mmlu;
  HumanEvalOptions humaneval;
  RulerOptions ruler;
};

}  // namespace engram::tasks
