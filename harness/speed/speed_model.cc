#include "harness/speed/speed_model.h"

#include <algorithm>
#include <stdexcept>

#include "baselines/nn/model_sharding.h"
#include "baselines/nn/weight_dtype.h"
#include "harness/model/model_loader.h"

namespace engram::harness::speed {

SpeedModel build_speed_model(const std::string& spec, const std::string& dtype, const std::string& device,
                             uint64_t seed, const std::optional<std::string>& tokenizer_dir,
                             const EngramTablePlacement& tables, const std::shared_ptr<RankExchange>& shard_over) {
  SpeedModel built;
  built.spec = spec;
  built.device = device;
  const at::ScalarType type = model::parse_weight_dtype(dtype, c10::Device(device));
  built.dtype = model::weight_dtype_name(type);
  if (shard_over && tables.tier != "device") {
    throw std::invalid_argument("a sharded model's Engram tables are split across ranks, not in the " + tables.tier + " tier");
  }
  const bool tables_in_module = tables.tier == "device" && !shard_over;
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
  const TableRowSource table_source = loaded.random_weights ? initial_rows(seed, config.initializer_range)
                                                            : checkpoint_rows(std::move(loaded.engram_tables));
  model::ShardedParts sharded;
  if (shard_over) model::shard_experts(built.model, shard_over, sharded);
  built.model->to(c10::Device(device));
  model::convert_weights(*built.model, type);
  built.model->eval();
  if (shard_over) {
    model::shard_engram_tables(built.model, shard_over, table_source, sharded);
    built.exchange = shard_over;
    built.sharding = {{"moe_layers", sharded.moe_layers},
                      {"experts_per_rank", sharded.experts_per_rank},
                      {"engram_layers", sharded.engram_layers}};
  }
  built.element_bytes = static_cast<int64_t>(c10::elementSize(type));
  if (config.engram && !tables_in_module && !shard_over) built.tables = place_engram_tables(built.model, tables, table_source);
  // The same CPU fast path as eval's default (--packed-weights): speed measures what eval runs.
  if (built.model->device().is_cpu()) built.model->pack_weights_for_cpu();
  return built;
}

}  // namespace engram::harness::speed
