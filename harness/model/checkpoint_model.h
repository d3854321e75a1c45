#pragma once
// Builds a CausalLM from a Hugging Face-style folder: config.json, safetensors weights (sharded or
// not) and, for Engram models, the tokenizer whose compression table feeds the hash.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "baselines/nn/causal_lm.h"

namespace engram::harness {

struct CheckpointModel {
  model::CausalLM model{nullptr};
  std::vector<std::string> ignored_tensors;  // e.g. multi-token-prediction layers past the last layer
  // With tables_in_module false: each Engram layer's table as the checkpoint holds it (a view of
  // the file mapping, read only when a table store streams it in), by layer id.
  std::map<int64_t, at::Tensor> engram_tables;
};

// lookup_table: raw -> compressed ids for Engram models (ignored otherwise). tables_in_module false
// builds the Engram layers without their tables (they go to a host or disk table store instead).
// Used by the model loader (model_loader.h), which picks the tokenizer.
CheckpointModel load_causal_lm(const std::string& path, const std::vector<int64_t>& lookup_table = {},
                           bool tables_in_module = true);

}  // namespace engram::harness
