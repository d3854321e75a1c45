#include "harness/model_factory.h"

#include <filesystem>
#include <stdexcept>

#include "baselines/nn/weight_dtype.h"
#include "baselines/presets.h"
#include "harness/engine/engine_model.h"
#include "harness/engine/memory_plan.h"
#include "harness/device_memory.h"
#include "harness/io/hf_config.h"
#include "harness/model_identity.h"
#include "harness/model_loader.h"
#include "harness/shared_data.h"
#include "harness/tokenizer/tokenizer.h"
#include "harness/tokenizer_compression.h"
#include "tasks/replay_model.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

fs::path tokenizer_dir_for(const std::optional<std::string>& requested, const std::optional<fs::path>& model_dir) {
  fs::path dir;
  if (requested) {
    dir = *requested;
  } else if (model_dir && fs::exists(*model_dir / "tokenizer.json")) {
    dir = *model_dir;
  } else {
    dir = shared_dir() / "tokenizers" / "deepseek-v3";
    if (!fs::exists(dir / "tokenizer.json")) {
      throw std::invalid_argument("no tokenizer: pass --tokenizer DIR (looked for " + dir.string() + ")");
    }
  }
  return dir;
}

std::shared_ptr<const tokenizer::Tokenizer> load_tokenizer(const fs::path& dir) {
  return std::make_shared<const tokenizer::Tokenizer>(tokenizer::Tokenizer::load(dir.string()));
}

EngineOptions engine_options(const std::string& name, const ModelSpecOptions& options) {
  EngineOptions engine;
  engine.batch_size = options.batch_size.value;
  engine.max_length = options.max_length;
  engine.name = name;
  return engine;
}

// Converts the weights to --dtype (the plan counts their bytes), then settles the engine's batch size
// (planning it when `auto`) and reports how it was chosen.
nlohmann::json choose_batch_size(EngineOptions& engine, const model::CausalLM& model, const ModelSpecOptions& options) {
  model::convert_weights(*model.ptr(), model::parse_weight_dtype(options.dtype, model->model->embed_tokens->weight.device()));
  nlohmann::json plan_json;
  if (options.batch_size.is_auto()) {
    MemoryPlanRequest request;
    request.weight_bytes = module_weight_bytes(*model);
    request.element_bytes = static_cast<int64_t>(model->model->embed_tokens->weight.element_size());
    request.max_sequence_length = options.max_length;
    // Scoring may project every position of a window (rolling log-likelihoods): plan for it.
    request.projected_positions = options.max_length;
    const MemoryBudget budget = memory_budget("cpu", options.memory_fraction, options.memory_budget_bytes);
    request.budget_bytes = budget.bytes;
    request.budget_source = budget.source;
    const MemoryPlan plan = plan_memory(model->config(), request);
    engine.batch_size = plan.batch_size;
    plan_json = plan.to_json();
  }
  return {{"batch_size", engine.batch_size},
          {"batch_size_requested", options.batch_size.to_json()},
          {"max_length", engine.max_length},
          {"memory_plan", plan_json}};
}

LoadedLanguageModel loaded_engine_model(model::CausalLM model, std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
                                        EngineOptions options, nlohmann::json engine_report) {
  auto engine = std::make_unique<EngineModel>(std::move(model), std::move(tokenizer), std::move(options));
  LoadedLanguageModel loaded;
  loaded.engine_report = std::move(engine_report);
  loaded.batch_size = engine->options().batch_size;
  loaded.set_batch_size = [raw = engine.get()](int64_t size) { raw->mutable_options().batch_size = size; };
  loaded.model = std::move(engine);
  return loaded;
}

LoadedLanguageModel loaded_replay_model(const std::filesystem::path& file) {
  auto replay = std::make_unique<tasks::ReplayModel>(tasks::ReplayModel::from_jsonl(file));
  LoadedLanguageModel loaded;
  loaded.engine_report = nullptr;
  if (replay->unbound_documents() > 0) {
    loaded.bind_documents = [raw = replay.get()](const std::vector<tasks::Instance>& instances) {
      raw->bind_documents(instances);
    };
  }
  loaded.model = std::move(replay);
  return loaded;
}

}  // namespace

LoadedLanguageModel load_language_model(const std::string& spec, const ModelSpecOptions& options) {
  if (spec.rfind("replay:", 0) == 0) return loaded_replay_model(spec.substr(7));
  if (spec.rfind("hf:", 0) == 0) {
    const fs::path dir = spec.substr(3);
    const fs::path tokenizer_dir = tokenizer_dir_for(options.tokenizer_dir, dir);
    auto tok = load_tokenizer(tokenizer_dir);
    std::vector<int64_t> lookup;
    if (io::load_hf_config(dir.string()).engram) lookup = build_compression_table(*tok).lookup_table();
    LoadedModel loaded = load_causal_lm(dir.string(), lookup);
    EngineOptions engine = engine_options(spec, options);
    engine.identity = model_identity(spec, loaded.model->config(), dir, tokenizer_dir, std::nullopt);
    nlohmann::json engine_report = choose_batch_size(engine, loaded.model, options);
    return loaded_engine_model(loaded.model, tok, engine, std::move(engine_report));
  }
  const model::Preset& preset = model::find_preset(spec);  // lists the presets when unknown
  const fs::path tokenizer_dir = tokenizer_dir_for(options.tokenizer_dir, std::nullopt);
  auto tok = load_tokenizer(tokenizer_dir);
  if (tok->vocab_size() > preset.config.vocab_size) {
    throw std::invalid_argument("preset " + spec + " has " + std::to_string(preset.config.vocab_size) +
                                " embedding rows, fewer than the tokenizer's " + std::to_string(tok->vocab_size()));
  }
  std::shared_ptr<const NgramHashMapping> hashing;
  if (preset.config.engram) {
    hashing = std::make_shared<const NgramHashMapping>(preset.config.engram->hash, build_compression_table(*tok).lookup_table());
  }
  model::CausalLM model(preset.config, hashing);
  model->init_weights(options.seed);
  EngineOptions engine = engine_options(spec, options);
  engine.identity = model_identity(spec, preset.config, std::nullopt, tokenizer_dir, options.seed);
  nlohmann::json engine_report = choose_batch_size(engine, model, options);
  return loaded_engine_model(model, tok, engine, std::move(engine_report));
}

}  // namespace engram::harness
