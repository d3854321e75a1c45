#include "harness/model/model_loader.h"

#include <stdexcept>

#include <c10/core/DefaultDtype.h>
#include <c10/core/ScalarTypeToTypeMeta.h>

#include "baselines/derive.h"
#include "baselines/presets.h"
#include "harness/io/gguf_model.h"
#include "harness/io/hf_config.h"
#include "harness/model/checkpoint_model.h"
#include "harness/model/engram_hashing.h"
#include "harness/model/tokenizer_lookup.h"
#include "harness/model_identity.h"
#include "harness/tokenizer/tokenizer.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

struct TokenizerChoice {
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  fs::path dir;  // empty when none
};

TokenizerChoice choose_tokenizer(const ModelSpec& spec, const ModelLoadOptions& options,
                                 const std::optional<fs::path>& model_dir) {
  TokenizerChoice choice;
  if (options.tokenizer_required) {
    choice.dir = require_tokenizer_dir(spec.text, options.tokenizer_dir, model_dir);
  } else if (auto found = find_tokenizer_dir(options.tokenizer_dir, model_dir)) {
    choice.dir = *found;
  }
  if (!choice.dir.empty()) choice.tokenizer = load_tokenizer(choice.dir);
  return choice;
}

// The Engram compression for a model (none without Engram): the tokenizer's, else the stand-in.
CompressionLookup compression_for(const model::ModelConfig& config, const TokenizerChoice& choice) {
  if (!config.engram) return {};
  if (choice.tokenizer) return tokenizer_compression(*choice.tokenizer, choice.dir.string());
  return synthetic_compression();
}

void check_vocabulary_fits(const ModelSpec& spec, const model::ModelConfig& config, const TokenizerChoice& choice) {
  if (choice.tokenizer && choice.tokenizer->vocab_size() > config.vocab_size) {
    throw std::invalid_argument("--model " + spec.text + " has " + std::to_string(config.vocab_size) +
                                " embedding rows, fewer than the tokenizer's " +
                                std::to_string(choice.tokenizer->vocab_size()) + " (" + choice.dir.string() + ")");
  }
}

// Module constructors allocate in the default dtype, so a preset is built in its target type.
model::CausalLM build_in(const model::ModelConfig& config, std::shared_ptr<const NgramHashMapping> hashing,
                         at::ScalarType type) {
  const caffe2::TypeMeta previous = c10::get_default_dtype();
  c10::set_default_dtype(c10::scalarTypeToTypeMeta(type));
  try {
    model::CausalLM lm(config, std::move(hashing));
    c10::set_default_dtype(previous);
    return lm;
  } catch (...) {
    c10::set_default_dtype(previous);
    throw;
  }
}

LoadedModel load_preset(const ModelSpec& spec, const ModelLoadOptions& options) {
  model::ModelConfig config = spec.engram_parameters ? model::preset_with_engram(spec.preset, *spec.engram_parameters)
                                                     : model::find_preset(spec.preset).config;
  const TokenizerChoice choice = choose_tokenizer(spec, options, std::nullopt);
  if (options.tokenizer_required) check_vocabulary_fits(spec, config, choice);
  const CompressionLookup lookup = compression_for(config, choice);
  if (config.engram) config.engram->table_in_module = options.engram_tables_in_module;
  LoadedModel loaded;
  loaded.model = build_in(config, engram_hash_mapping(config, lookup.table, spec.text), options.preset_dtype);
  loaded.model->init_weights(options.seed);
  loaded.random_weights = true;
  loaded.compression_source = lookup.source;
  loaded.tokenizer = choice.tokenizer;
  loaded.context_window = config.max_position_embeddings;
  if (options.identify) loaded.identity = model_identity(spec.text, config, std::nullopt, choice.dir, options.seed);
  return loaded;
}

LoadedModel load_hugging_face(const ModelSpec& spec, const ModelLoadOptions& options) {
  const model::ModelConfig config = engram::io::load_hf_config(spec.path.string());
  const TokenizerChoice choice = choose_tokenizer(spec, options, spec.path);
  if (options.tokenizer_required) check_vocabulary_fits(spec, config, choice);
  const CompressionLookup lookup = compression_for(config, choice);
  CheckpointModel checkpoint = load_causal_lm(spec.path.string(), lookup.table, options.engram_tables_in_module);
  LoadedModel loaded;
  loaded.model = checkpoint.model;
  loaded.engram_tables = std::move(checkpoint.engram_tables);
  loaded.compression_source = lookup.source;
  loaded.tokenizer = choice.tokenizer;
  loaded.context_window = config.max_position_embeddings;
  if (options.identify) loaded.identity = model_identity(spec.text, config, spec.path, choice.dir, std::nullopt);
  return loaded;
}

LoadedModel load_gguf(const ModelSpec& spec, const ModelLoadOptions& options) {
  io::GgufModel gguf = io::load_gguf_model(spec.path.string());
  const model::ModelConfig& config = gguf.model->config();
  if (config.engram) throw std::invalid_argument("--model " + spec.text + ": Engram models in GGUF files are not supported");
  LoadedModel loaded;
  loaded.model = gguf.model;
  loaded.tokenizer = gguf.tokenizer;
  fs::path tokenizer_dir;  // the file's own tokenizer is identified with its weights
  if (options.tokenizer_dir) {
    tokenizer_dir = require_tokenizer_dir(spec.text, options.tokenizer_dir, std::nullopt);
    loaded.tokenizer = load_tokenizer(tokenizer_dir);
    check_vocabulary_fits(spec, config, {loaded.tokenizer, tokenizer_dir});
  }
  loaded.context_window = gguf.context_length > 0 ? gguf.context_length : config.max_position_embeddings;
  if (options.identify) {
    loaded.identity = model_identity(spec.text, config, spec.path, tokenizer_dir, std::nullopt);
    loaded.identity["gguf"] = gguf.summary;
  }
  return loaded;
}

}  // namespace

LoadedModel load_model(const ModelSpec& spec, const ModelLoadOptions& options) {
  LoadedModel loaded;
  switch (spec.kind) {
    case ModelSpec::Kind::kPreset:
      loaded = load_preset(spec, options);
      break;
    case ModelSpec::Kind::kHuggingFace:
      loaded = load_hugging_face(spec, options);
      break;
    case ModelSpec::Kind::kGguf:
      loaded = load_gguf(spec, options);
      break;
    case ModelSpec::Kind::kReplay:
      throw std::invalid_argument("--model " + spec.text + ": a replay file holds answers, not a model");
  }
  loaded.spec = spec;
  loaded.model->eval();
  return loaded;
}

}  // namespace engram::harness
