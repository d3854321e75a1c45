#include "engram/sharded_table_store.h"

#include <ATen/ATen.h>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>

#include "engram/table_init.h"

namespace engram {
namespace {

struct LayerShard {
  TableLayout layout;
  int64_t first_row = 0;   // of this rank's range
  at::Tensor rows;         // [local rows, dim] on the exchange device
  at::Tensor head_offsets; // [heads] int64 on the exchange device
  c10::Device compute_device = c10::Device(c10::kCPU);
  std::string label;       // names the layer's exchanges in the timings
};

// Rows [first, first + count) of `layout`'s table. Sources fill whole kInitBlockRows blocks (the
// seeded values depend on the block), so blocks overlapping the range are filled and cut.
at::Tensor fill_range(const TableLayout& layout, int64_t first, int64_t count, c10::ScalarType dtype,
                      const TableRowSource& source) {
  at::Tensor out = at::empty({count, layout.dim}, dtype);
  if (count == 0) return out;
  const int64_t end = first + count;
  for (int64_t block = first / kInitBlockRows * kInitBlockRows; block < end; block += kInitBlockRows) {
    at::Tensor buffer = at::empty({std::min(kInitBlockRows, layout.rows - block), layout.dim}, dtype);
    source(layout, block, buffer);
    const int64_t from = std::max(first, block), to = std::min(end, block + buffer.size(0));
    out.narrow(0, from - first, to - from).copy_(buffer.narrow(0, from - block, to - from));
  }
  return out;
}

class ShardedTableStore : public TableStore {
 public:
  ShardedTableStore(std::vector<LayerShard> layers, std::shared_ptr<RankExchange> exchange)
      : layers_(std::move(layers)), exchange_(std::move(exchange)) {}

  void prefetch(int64_t layer_id, const at::Tensor& hash_ids) override {
    const auto start = std::chrono::steady_clock::now();
    Pending pending{hash_ids, lookup(shard(layer_id), hash_ids), {}};
    pending.step.fetch_seconds = seconds_since(start);
    pending_[layer_id] = std::move(pending);
  }

  at::Tensor gather(int64_t layer_id, const at::Tensor& hash_ids) override {
    const LayerShard& layer = shard(layer_id);
    auto found = pending_.find(layer_id);
    LookedUp looked_up;
    FetchStep step;
    if (found != pending_.end() && found->second.hash_ids.is_same(hash_ids)) {
      looked_up = std::move(found->second.rows);
      step = found->second.step;
    } else {
      const auto start = std::chrono::steady_clock::now();
      looked_up = lookup(layer, hash_ids);
      step.fetch_seconds = step.stall_seconds = seconds_since(start);
      step.prefetched = false;
    }
    if (found != pending_.end()) pending_.erase(found);
    step.lookups = hash_ids.numel();
    step.unique_rows = step.rows_fetched = looked_up.unique_rows;
    step.bytes_fetched = looked_up.unique_rows * layer.layout.dim * static_cast<int64_t>(layer.rows.element_size());
    recorder_.record(layer_id, step);
    return looked_up.rows.to(layer.compute_device);
  }

  TableStoreStats stats() const override {
    TableStoreStats out;
    out.tier = "sharded";
    out.layers = recorder_.snapshot();
    return out;
  }

  void reset_stats() override { recorder_.clear(); }

 private:
  struct LookedUp {
    at::Tensor rows;  // [..., heads, dim] on the exchange device
    int64_t unique_rows = 0;
  };
  struct Pending {
    at::Tensor hash_ids;
    LookedUp rows;
    FetchStep step;
  };

  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  const LayerShard& shard(int64_t layer_id) const {
    for (const LayerShard& layer : layers_) {
      if (layer.layout.layer_id == layer_id) return layer;
    }
    throw std::out_of_range("the sharded Engram table store has no layer " + std::to_string(layer_id));
  }

  // hash ids [..., heads] -> rows [..., heads, dim] on the exchange device.
  LookedUp lookup(const LayerShard& layer, const at::Tensor& hash_ids) {
    const int64_t heads = layer.head_offsets.size(0);
    TORCH_CHECK(hash_ids.dim() >= 1 && hash_ids.size(-1) == heads, layer.label, ": expected hash ids [..., ", heads,
                "], got ", hash_ids.sizes());
    const at::Tensor global = (hash_ids.to(layer.rows.device(), at::kLong) + layer.head_offsets).reshape(-1);
    // Each distinct row travels once; sorted, so the ids are already grouped by owning rank.
    const auto [unique, inverse, counts_unused] = at::_unique2(global, /*sorted=*/true, /*return_inverse=*/true);
    (void)counts_unused;
    TORCH_CHECK(unique.numel() == 0 || (unique[0].item<int64_t>() >= 0 &&
                                        unique[unique.numel() - 1].item<int64_t>() < layer.layout.rows),
                layer.label, ": hash ids outside the table's ", layer.layout.rows, " rows");
    const int world = exchange_->world_size();
    const int64_t per_rank = rows_per_rank(layer.layout.rows, world);
    const at::Tensor owners = unique.div(per_rank, "floor");
    const at::Tensor owner_counts = at::bincount(owners, {}, world).cpu();
    const std::vector<int64_t> send(owner_counts.data_ptr<int64_t>(), owner_counts.data_ptr<int64_t>() + world);
    const std::vector<int64_t> receive = exchange_->exchange_counts(send, 1, layer.label);
    const at::Tensor requested = exchange_->exchange_rows(unique, send, receive, layer.label);
    const at::Tensor answers = layer.rows.index_select(0, requested - layer.first_row);
    const at::Tensor rows = exchange_->exchange_rows(answers, receive, send, layer.label);
    std::vector<int64_t> shape = hash_ids.sizes().vec();
    shape.push_back(layer.layout.dim);
    return {rows.index_select(0, inverse).view(shape), unique.numel()};
  }

  std::vector<LayerShard> layers_;
  std::shared_ptr<RankExchange> exchange_;
  std::map<int64_t, Pending> pending_;
  FetchStatsRecorder recorder_;
};

}  // namespace

std::shared_ptr<TableStore> make_sharded_table_store(const std::vector<Engram>& layers,
                                                     std::shared_ptr<RankExchange> exchange,
                                                     const TableRowSource& source, c10::Device device) {
  if (!exchange) throw std::invalid_argument("a sharded Engram table store needs a rank exchange");
  const c10::ScalarType dtype = engram_table_dtype(layers, "sharded table store");
  const TableRowSource& rows_from = source ? source : module_rows(layers);
  std::vector<LayerShard> shards;
  for (const TableLayout& layout : table_layouts(layers)) {
    LayerShard shard;
    shard.layout = layout;
    const int64_t per_rank = rows_per_rank(layout.rows, exchange->world_size());
    shard.first_row = std::min(layout.rows, exchange->rank() * per_rank);
    const int64_t count = std::min(layout.rows, shard.first_row + per_rank) - shard.first_row;
    shard.rows = fill_range(layout, shard.first_row, count, dtype, rows_from).to(device);
    shard.head_offsets = at::tensor(layout.head_offsets, at::kLong).to(device);
    shard.label = "layer " + std::to_string(layout.layer_id) + " engram";
    for (const Engram& layer : layers) {
      if (layer->layer_id() == layout.layer_id) shard.compute_device = layer->multi_head_embedding->table_device();
    }
    shards.push_back(std::move(shard));
  }
  return std::make_shared<ShardedTableStore>(std::move(shards), std::move(exchange));
}

}  // namespace engram
