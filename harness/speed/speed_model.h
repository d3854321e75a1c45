#pragma once
// The model a speed measurement runs, from any --model spec the loader takes (harness/model/:
// PRESET[+engram=SIZE] with seeded random weights, hf:DIR, gguf:FILE, an installed model), cast to
// the requested dtype and moved to the device. Engram models hash through a compression table: the
// tokenizer's when one is found, else a stand-in of the DeepSeek-V3 shape.
// With a host or disk table placement an Engram model's tables never reach the device
// (speed_model_tables.h): only gathered rows and the hot-row cache do.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "baselines/nn/causal_lm.h"
#include "engram/rank_exchange.h"
#include "harness/speed/speed_model_tables.h"

namespace engram::harness::speed {

struct SpeedModel {
  model::CausalLM model{nullptr};
  std::string spec;
  std::string device;
  std::string dtype;
  int64_t token_limit = 0;        // random and generated ids stay below this (tokenizer/compression size)
  // Which Engram compression table the model hashes through: "tokenizer:<folder>" or
  // "synthetic-23.43%" (the stand-in when no tokenizer is found); "" without Engram.
  std::string lookup_source;
  int64_t element_bytes = 4;
  int64_t pad_id = 0;             // left padding (an Engram model pads with its hash pad id)
  std::shared_ptr<PlacedTables> tables;  // host or disk tier; null when the tables are on the device
  // Set when the model is sharded over the ranks (speed --shard): its exchanges and their timings.
  std::shared_ptr<RankExchange> exchange;
  nlohmann::json sharding;  // what was split: {"moe_layers", "experts_per_rank", "engram_layers"}
  bool cuda_graphs = false;       // decode steps replayed from CUDA graphs (decode_graphs.h)
};

// shard_over: split the routed experts (before the model moves to the device, which gets only this
// rank's share) and the Engram tables (built without module tables; each rank fills only its rows)
// across the exchange's ranks (baselines/nn/model_sharding.h). Tables must then be in the device tier.
SpeedModel build_speed_model(const std::string& spec, const std::string& dtype, const std::string& device,
                             uint64_t seed, const std::optional<std::string>& tokenizer_dir,
                             const EngramTablePlacement& tables = {},
                             const std::shared_ptr<RankExchange>& shard_over = nullptr);

}  // namespace engram::harness::speed
