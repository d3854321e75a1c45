#include "harness/speed/speed_model.h"

#include <filesystem>
#include <stdexcept>

#include "baselines/presets.h"
#include "harness/engram_speed.h"
#include "harness/io/hf_config.h"
#include "harness/model_loader.h"
#include "harness/shared_data.h"
#include "harness/tokenizer/tokenizer.h"
#include "harness/tokenizer_compression.h"

namespace engram::harness::speed {
namespace {

namespace fs = std::filesystem;

struct Lookup {
  std::vector<int64_t> table;
  std::string source;
};

Lookup compression_lookup(const std::optional<std::string>& requested, const std::optional<fs::path>& model_dir) {
  std::optional<fs::path> dir;
  if (requested) {
    dir = *requested;
    if (!fs::exists(*dir / "tokenizer.json")) throw std::invalid_argument("--tokenizer " + *requested + ": no tokenizer.json");
  } else if (model_dir && fs::exists(*model_dir / "tokenizer.json")) {
    dir = *model_dir;
  } else if (fs::exists(shared_dir() / "tokenizers" / "deepseek-v3" / "tokenizer.json")) {
    dir = shared_dir() / "tokenizers" / "deepseek-v3";
  }
  if (dir) {
    const auto tokenizer = tokenizer::Tokenizer::load(dir->string());
    return {build_compression_table(tokenizer).lookup_table(), "tokenizer " + dir->string()};
  }
  return {synthetic_lookup_table(), "synthetic DeepSeek-V3-shaped table (no tokenizer found)"};
}

at::ScalarType scalar_type(const std::string& dtype) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("--dtype: expected float32 or bfloat16, got '" + dtype + "'");
}

}  // namespace

SpeedModel build_speed_model(const std::string& spec, const std::string& dtype, const std::string& device,
                             uint64_t seed, const std::optional<std::string>& tokenizer_dir) {
  SpeedModel built;
  built.spec = spec;
  built.device = device;
  built.dtype = dtype;
  const at::ScalarType type = scalar_type(dtype);
  Lookup lookup;
  if (spec.rfind("hf:", 0) == 0) {
    const fs::path dir = spec.substr(3);
    if (io::load_hf_config(dir.string()).engram) lookup = compression_lookup(tokenizer_dir, dir);
    built.model = load_causal_lm(dir.string(), lookup.table).model;
  } else {
    const model::ModelConfig& config = model::find_preset(spec).config;  // lists the presets when unknown
    std::shared_ptr<const NgramHashMapping> hashing;
    if (config.engram) {
      lookup = compression_lookup(tokenizer_dir, std::nullopt);
      hashing = std::make_shared<const NgramHashMapping>(config.engram->hash, lookup.table);
    }
    built.model = model::CausalLM(config, hashing);
    built.model->init_weights(seed);
  }
  const model::ModelConfig& config = built.model->config();
  built.token_limit = config.vocab_size;
  if (config.engram) {
    built.token_limit = std::min<int64_t>(config.vocab_size, static_cast<int64_t>(lookup.table.size()));
    built.lookup_source = lookup.source;
    built.pad_id = config.engram->hash.pad_id;
  }
  built.model->to(c10::Device(device), type);
  built.model->eval();
  built.element_bytes = static_cast<int64_t>(c10::elementSize(type));
  return built;
}

}  // namespace engram::harness::speed
