#include "harness/speed/speed_model.h"

#include <algorithm>
#include <stdexcept>

#include "harness/model/model_loader.h"

namespace engram::harness::speed {
namespace {

at::ScalarType scalar_type(const std::string& dtype) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("--dtype: expected float32 or bfloat16, got '" + dtype + "'");
}

}  // namespace

SpeedModel build_speed_model(const std::string& spec, const std::string& dtype, const std::string& device,
                             uint64_t seed, const std::optional<std::string>& tokenizer_dir,
                             const EngramTablePlacement& tables) {
  SpeedModel built;
  built.spec = spec;
  built.device = device;
  built.dtype = dtype;
  const at::ScalarType type = scalar_type(dtype);
  const bool tables_in_module = tables.tier == "device";
  ModelLoadOptions options;
  options.tokenizer_dir = tokenizer_dir;
  options.seed = seed;
  options.tokenizer_required = false;
  options.engram_tables_in_module = tables_in_module;
  options.preset_dtype = type;
  options.identify = false;
  LoadedModel loaded = load_model(parse_model_spec(spec), options);
  built.model = loaded.model;
  const model::ModelConfig& config = built.model->config();
  built.token_limit = config.vocab_size;
  if (config.engram) {
    const int64_t lookup_size = static_cast<int64_t>(built.model->hashing()->lookup_table().size());
    built.token_limit = std::min<int64_t>(config.vocab_size, lookup_size);
    built.lookup_source = loaded.compression_source;
  }
  built.pad_id = built.model->required_pad_id().value_or(0);
  built.model->to(c10::Device(device), type);
  built.model->eval();
  built.element_bytes = static_cast<int64_t>(c10::elementSize(type));
  if (config.engram && !tables_in_module) {
    const TableRowSource source = loaded.random_weights ? initial_rows(seed, config.initializer_range)
                                                        : checkpoint_rows(std::move(loaded.engram_tables));
    built.tables = place_engram_tables(built.model, tables, source);
  }
  return built;
}

}  // namespace engram::harness::speed
