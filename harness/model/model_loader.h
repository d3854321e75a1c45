#pragma once
// The one model loader: a --model spec (model_spec.h) to the model, its tokenizer and what
// identifies it, for every verb (eval and run through the engine, speed, inspect). It alone picks
// the tokenizer (tokenizer_lookup.h), builds Engram's hash mapping (engram_hashing.h) and knows the
// model's own context window.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <c10/core/ScalarType.h>
#include <nlohmann/json.hpp>

#include "baselines/nn/causal_lm.h"
#include "harness/model/model_spec.h"

namespace engram::tokenizer {
class Tokenizer;
}

namespace engram::harness {

struct ModelLoadOptions {
  std::optional<std::string> tokenizer_dir;  // --tokenizer: overrides the lookup (and a GGUF file's own)
  uint64_t seed = 0;                         // presets: the random weights' seed
  // Speed measurements run on random ids and need no tokenizer: without one an Engram model hashes
  // through the stand-in compression table. Evaluations require one.
  bool tokenizer_required = true;
  // False: Engram tables stay out of the modules (a host or disk tier holds them); a checkpoint's
  // tables come back in LoadedModel::engram_tables.
  bool engram_tables_in_module = true;
  // Presets are built directly in this type (a 27B preset in float32 would need 108 GB before a cast).
  at::ScalarType preset_dtype = at::kFloat;
  // Compute the identity (every checkpoint byte is hashed once, then cached); speed skips it.
  bool identify = true;
};

struct LoadedModel {
  ModelSpec spec;
  model::CausalLM model{nullptr};
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;  // null only when not required and none found
  // model_identity.h's record (spec, family, config hash, parameter counts, weight digests); empty
  // when not asked for.
  nlohmann::json identity = nlohmann::json::object();
  // The model's context window: config.json's max_position_embeddings, the GGUF file's
  // <arch>.context_length, or the preset config's.
  int64_t context_window = 0;
  std::string compression_source;                // Engram models: compression_table's source (engram_hashing.h)
  std::map<int64_t, at::Tensor> engram_tables;   // checkpoint tables kept out of the modules, by layer id
  bool random_weights = false;                   // a preset: weights (and tables) drawn from the seed
};

// Throws std::invalid_argument naming the spec for replay specs (no weights) and for a tokenizer that
// does not fit the model; loading errors name the file.
LoadedModel load_model(const ModelSpec& spec, const ModelLoadOptions& options = {});

}  // namespace engram::harness
