#pragma once
// One model spread over the ranks of a c10d process group, for models that do not fit one device:
// routed experts split across ranks (MoeImpl::shard_experts) and every Engram table's rows split
// across ranks (engram/sharded_table_store.h). Attention, dense FFNs, shared experts, gates,
// embeddings and the head stay replicated. Each rank runs its own tokens; every forward is a
// collective, so all ranks must call forward the same number of times. Logits equal the
// single-process model's.

#include <memory>

#include "baselines/nn/causal_lm.h"
#include "engram/engram_tables.h"
#include "engram/rank_exchange.h"

namespace engram::model {

struct ShardedParts {
  int64_t moe_layers = 0;       // MoE layers whose experts were split
  int64_t experts_per_rank = 0;  // routed experts each rank keeps (per MoE layer)
  int64_t engram_layers = 0;     // Engram layers whose tables were split
};

// Shards `model` in place: shard_experts, then shard_engram_tables.
ShardedParts shard_model(CausalLM& model, const std::shared_ptr<RankExchange>& exchange,
                         const TableRowSource& engram_rows = {});

// Keeps this rank's routed experts in every MoE layer (fills moe_layers and experts_per_rank).
// Called before the model moves to its device, the device only ever gets the share.
void shard_experts(CausalLM& model, const std::shared_ptr<RankExchange>& exchange, ShardedParts& parts);
// Attaches a sharded table store holding this rank's rows (on exchange->device()) to the Engram
// layers (fills engram_layers). Rows come from `engram_rows` (e.g. initial_rows or a checkpoint's
// rows; then the model may be built without tables, EngramConfig::table_in_module = false, so no
// rank ever holds a whole table) or, without it, from the modules' own tables, which are then freed.
// Called after the model is on its compute device (the store hands rows to the layers there).
void shard_engram_tables(CausalLM& model, const std::shared_ptr<RankExchange>& exchange,
                         const TableRowSource& engram_rows, ShardedParts& parts);

}  // namespace engram::model
