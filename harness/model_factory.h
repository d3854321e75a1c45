#pragma once
// Turns a --model spec into the model interface tasks use:
//   PRESET        a preset from `engram-bench models`, random weights from --seed (benchmarks, smoke runs)
//   hf:DIR        a Hugging Face-style folder (config.json, safetensors, tokenizer files)
//   replay:FILE   answers recorded in a JSONL file (validates task pipelines without a model)

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tasks/language_model.h"

namespace engram::harness {

struct ModelSpecOptions {
  std::optional<std::string> tokenizer_dir;  // default: the model folder, else the shared DeepSeek-V3 one
  uint64_t seed = 0;
  int64_t batch_size = 8;
  int64_t max_length = 4096;
  // Batch size `auto`: the largest batch the analytic memory plan (engine/memory_plan.h) fits in
  // memory_budget_bytes, or else in MemAvailable x memory_fraction; batch_size is then ignored.
  bool auto_batch_size = false;
  std::optional<int64_t> memory_budget_bytes;
  double memory_fraction = 0.8;
};

std::unique_ptr<tasks::LanguageModel> make_language_model(const std::string& spec, const ModelSpecOptions& options);
// The same, also filling engine_report with what a report records as model.engine: batch_size,
// batch_size_requested ("auto" or the number), max_length and memory_plan (null unless auto);
// null for models without an engine (replay:FILE).
std::unique_ptr<tasks::LanguageModel> make_language_model(const std::string& spec, const ModelSpecOptions& options,
                                                          nlohmann::json* engine_report);

}  // namespace engram::harness
