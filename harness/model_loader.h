#pragma once
// Builds a CausalLM from a Hugging Face-style folder: config.json, safetensors weights (sharded or
// not) and, for Engram models, the tokenizer whose compression table feeds the hash.

#include <memory>
#include <string>
#include <vector>

#include "baselines/nn/causal_lm.h"

namespace engram::harness {

struct LoadedModel {
  model::CausalLM model{nullptr};
  std::vector<std::string> ignored_tensors;  // e.g. multi-token-prediction layers past the last layer
};

// lookup_table: raw -> compressed ids for Engram models (ignored otherwise).
LoadedModel load_causal_lm(const std::string& path, const std::vector<int64_t>& lookup_table = {});

}  // namespace engram::harness
