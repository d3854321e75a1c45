#include "harness/speed/speed_model.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include <c10/core/DefaultDtype.h>
#include <c10/core/ScalarTypeToTypeMeta.h>

#include "baselines/nn/weight_dtype.h"
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

// "synthetic-23.43%": the stand-in table and the vocabulary reduction it was sized to.
std::string synthetic_table_label(const std::vector<int64_t>& table) {
  const int64_t compressed = table.empty() ? 0 : *std::max_element(table.begin(), table.end()) + 1;
  const double reduction =
      table.empty() ? 0.0 : 1.0 - static_cast<double>(compressed) / static_cast<double>(table.size());
  return fmt::format("synthetic-{:.2f}%", 100.0 * reduction);
}

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
    return {build_compression_table(tokenizer).lookup_table(), "tokenizer:" + dir->string()};
  }
  std::vector<int64_t> table = synthetic_lookup_table();
  return {table, synthetic_table_label(table)};
}

// "20B", "1.5e9", "300M": a parameter count.
int64_t parse_parameter_count(const std::string& text, const std::string& spec) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  double scale = 1;
  const std::string suffix = used < text.size() ? text.substr(used) : "";
  if (suffix == "K") scale = 1e3;
  else if (suffix == "M") scale = 1e6;
  else if (suffix == "B") scale = 1e9;
  else if (!suffix.empty()) used = 0;
  if (used == 0 || !(value > 0)) {
    throw std::invalid_argument("--model " + spec + ": expected +engram=SIZE with SIZE like 20B, 300M or 1.5e9");
  }
  return static_cast<int64_t>(value * scale);
}

// PRESET+engram=SIZE: the preset with Engram-27B's memory layout (layers 2 and 15 where the model has
// them, orders 2-3, 8 heads each, d_mem 1280) on its own hidden size and branches, the tables sized
// to SIZE parameters in all. The paper's table-4 setup: a dense backbone with a large Engram table.
model::ModelConfig preset_with_engram(const std::string& spec) {
  const size_t plus = spec.find("+engram=");
  model::ModelConfig config = model::find_preset(spec.substr(0, plus)).config;
  const int64_t parameters = parse_parameter_count(spec.substr(plus + 8), spec);
  EngramConfig engram = *model::find_preset("engram-27b").config.engram;
  std::vector<int64_t> layers;
  for (int64_t id : engram.hash.layer_ids) {
    if (id < config.num_hidden_layers) layers.push_back(id);
  }
  if (layers.empty()) layers.push_back(config.num_hidden_layers > 1 ? 1 : 0);
  engram.hash.layer_ids = layers;
  engram.hidden_size = config.hidden_size;
  engram.hc_mult = config.hc_mult;
  const int64_t orders = static_cast<int64_t>(engram.hash.engram_vocab_size.size());
  const int64_t head_dim = engram.n_embed_per_ngram / engram.hash.n_head_per_ngram;
  const int64_t per_base_row = static_cast<int64_t>(layers.size()) * orders * engram.hash.n_head_per_ngram * head_dim;
  const int64_t base_rows = std::max<int64_t>(4096, (parameters + per_base_row - 1) / per_base_row);
  engram.hash.engram_vocab_size.assign(static_cast<size_t>(orders), base_rows);
  config.engram = engram;
  return config;
}

// Built directly in the target dtype: a 27B preset in float32 would need 108 GB of host memory
// before the cast. Module constructors allocate in the default dtype.
model::CausalLM build_preset_in(const model::ModelConfig& config, std::shared_ptr<const NgramHashMapping> hashing,
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

}  // namespace

SpeedModel build_speed_model(const std::string& spec, const std::string& dtype, const std::string& device,
                             uint64_t seed, const std::optional<std::string>& tokenizer_dir,
                             const EngramTablePlacement& tables) {
  SpeedModel built;
  built.spec = spec;
  built.device = device;
  const at::ScalarType type = model::parse_weight_dtype(dtype, c10::Device(device));
  built.dtype = model::weight_dtype_name(type);
  const bool tables_in_module = tables.tier == "device";
  Lookup lookup;
  TableRowSource table_source;
  if (spec.rfind("hf:", 0) == 0) {
    const fs::path dir = spec.substr(3);
    if (io::load_hf_config(dir.string()).engram) lookup = compression_lookup(tokenizer_dir, dir);
    LoadedModel loaded = load_causal_lm(dir.string(), lookup.table, tables_in_module);
    built.model = loaded.model;
    table_source = checkpoint_rows(std::move(loaded.engram_tables));
  } else {
    model::ModelConfig config =
        spec.find("+engram=") != std::string::npos ? preset_with_engram(spec) : model::find_preset(spec).config;
    std::shared_ptr<const NgramHashMapping> hashing;
    if (config.engram) {
      lookup = compression_lookup(tokenizer_dir, std::nullopt);
      hashing = std::make_shared<const NgramHashMapping>(config.engram->hash, lookup.table);
      config.engram->table_in_module = tables_in_module;
    }
    built.model = build_preset_in(config, hashing, type);
    built.model->init_weights(seed);
    table_source = initial_rows(seed, config.initializer_range);
  }
  const model::ModelConfig& config = built.model->config();
  built.token_limit = config.vocab_size;
  if (config.engram) {
    built.token_limit = std::min<int64_t>(config.vocab_size, static_cast<int64_t>(lookup.table.size()));
    built.lookup_source = lookup.source;
    built.pad_id = config.engram->hash.pad_id;
  }
  built.model->to(c10::Device(device));
  model::convert_weights(*built.model, type);
  built.model->eval();
  built.element_bytes = static_cast<int64_t>(c10::elementSize(type));
  if (config.engram && !tables_in_module) built.tables = place_engram_tables(built.model, tables, table_source);
  return built;
}

}  // namespace engram::harness::speed
