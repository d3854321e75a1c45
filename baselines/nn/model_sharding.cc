#include "baselines/nn/model_sharding.h"

#include "engram/sharded_table_store.h"

namespace engram::model {

void shard_experts(CausalLM& model, const std::shared_ptr<RankExchange>& exchange, ShardedParts& parts) {
  for (int64_t index = 0; index < static_cast<int64_t>(model->model->layers->size()); ++index) {
    auto& layer = *model->model->layers[index]->as<DecoderLayerImpl>();
    if (!layer.moe_mlp) continue;
    layer.moe_mlp->shard_experts(exchange, "layer " + std::to_string(index) + " moe");
    parts.moe_layers += 1;
    parts.experts_per_rank = static_cast<int64_t>(layer.moe_mlp->experts->size());
  }
}

void shard_engram_tables(CausalLM& model, const std::shared_ptr<RankExchange>& exchange,
                         const TableRowSource& engram_rows, ShardedParts& parts) {
  const std::vector<Engram> engram_layers = model->engram_layers();
  if (engram_layers.empty()) return;
  model->attach_engram_tables(make_sharded_table_store(engram_layers, exchange, engram_rows, exchange->device()));
  // The store holds this rank's share; the module's full copy goes (it then looks as one built
  // without its table, whose dtype it still tracks).
  for (const Engram& layer : engram_layers) {
    MultiHeadEmbedding embedding = layer->multi_head_embedding;
    if (!embedding->holds_table()) continue;
    embedding->unregister_module("embedding");
    embedding->embedding = nullptr;
  }
  parts.engram_layers = static_cast<int64_t>(engram_layers.size());
}

ShardedParts shard_model(CausalLM& model, const std::shared_ptr<RankExchange>& exchange,
                         const TableRowSource& engram_rows) {
  ShardedParts parts;
  shard_experts(model, exchange, parts);
  shard_engram_tables(model, exchange, engram_rows, parts);
  return parts;
}

}  // namespace engram::model
