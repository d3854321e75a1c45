#pragma once
// Turns a --model spec into the model interface tasks use:
//   PRESET        a preset from `engram-bench models`, random weights from --seed (benchmarks, smoke runs)
//   hf:DIR        a Hugging Face-style folder (config.json, safetensors, tokenizer files)
//   replay:FILE   answers recorded in a JSONL file (validates task pipelines without a model)

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tasks/language_model.h"

namespace engram::harness {

struct ModelSpecOptions {
  std::optional<std::string> tokenizer_dir;  // default: the model folder, else the shared DeepSeek-V3 one
  uint64_t seed = 0;
  int64_t batch_size = 8;
  int64_t max_length = 4096;
};

std::unique_ptr<tasks::LanguageModel> make_language_model(const std::string& spec, const ModelSpecOptions& options);

}  // namespace engram::harness
