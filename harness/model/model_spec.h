#pragma once
// The one grammar of --model for every verb (eval, run, speed, inspect):
//   PRESET               a preset from `engram-bench models`, random weights from --seed
//   PRESET+engram=SIZE   the preset with an Engram memory of SIZE table parameters (20B, 300M, 1.5e9):
//                        baselines/derive.h's preset_with_engram
//   hf:DIR               a Hugging Face-style folder (config.json, safetensors, tokenizer files)
//   gguf:FILE            a llama.cpp GGUF file (weights, hyperparameters and tokenizer in one file)
//   replay:FILE          answers recorded in a JSONL file (task pipelines without a model)
//   NAME                 a model the setup step installs (harness/io/installed_models.h), e.g. smollm2-135m
// Parsing checks what can be checked without loading (the preset exists, the path exists, the size
// parses, the installed model is there) and names the spec in every error.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace engram::harness {

struct ModelSpec {
  enum class Kind { kPreset, kHuggingFace, kGguf, kReplay };
  Kind kind = Kind::kPreset;
  std::string text;                            // the spec as given: how reports and journals name the model
  std::string preset;                          // kPreset: the preset's name
  std::optional<int64_t> engram_parameters;    // kPreset with +engram=SIZE
  std::filesystem::path path;                  // the folder or file of the other kinds
  std::string installed_name;                  // set when the spec named an installed model
};

// Throws std::invalid_argument starting "--model SPEC: " when the spec cannot be used.
ModelSpec parse_model_spec(const std::string& text);

// "20B", "1.5e9", "300M", "64K": a positive parameter count; nullopt when the text is not one.
std::optional<int64_t> parse_parameter_count(const std::string& text);

}  // namespace engram::harness
