#include "harness/model_factory.h"

#include <filesystem>
#include <stdexcept>

#include "baselines/presets.h"
#include "harness/engine/engine_model.h"
#include "harness/io/hf_config.h"
#include "harness/model_loader.h"
#include "harness/shared_data.h"
#include "harness/tokenizer/tokenizer.h"
#include "harness/tokenizer_compression.h"
#include "tasks/replay_model.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const tokenizer::Tokenizer> load_tokenizer(const std::optional<std::string>& requested,
                                                           const std::optional<fs::path>& model_dir) {
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
  return std::make_shared<const tokenizer::Tokenizer>(tokenizer::Tokenizer::load(dir.string()));
}

EngineOptions engine_options(const std::string& name, const ModelSpecOptions& options) {
  EngineOptions engine;
  engine.batch_size = options.batch_size;
  engine.max_length = options.max_length;
  engine.name = name;
  return engine;
}

}  // namespace

std::unique_ptr<tasks::LanguageModel> make_language_model(const std::string& spec, const ModelSpecOptions& options) {
  if (spec.rfind("replay:", 0) == 0) {
    return std::make_unique<tasks::ReplayModel>(tasks::ReplayModel::from_jsonl(spec.substr(7)));
  }
  if (spec.rfind("hf:", 0) == 0) {
    const fs::path dir = spec.substr(3);
    auto tok = load_tokenizer(options.tokenizer_dir, dir);
    std::vector<int64_t> lookup;
    if (io::load_hf_config(dir.string()).engram) lookup = build_compression_table(*tok).lookup_table();
    LoadedModel loaded = load_causal_lm(dir.string(), lookup);
    return std::make_unique<EngineModel>(loaded.model, tok, engine_options(spec, options));
  }
  const model::Preset& preset = model::find_preset(spec);  // lists the presets when unknown
  auto tok = load_tokenizer(options.tokenizer_dir, std::nullopt);
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
  return std::make_unique<EngineModel>(model, tok, engine_options(spec, options));
}

}  // namespace engram::harness
