#pragma once
// Where an Engram layer's embedding rows live. The device tier is the module's own
// multi_head_embedding.embedding.weight (no store attached: today's path, no overhead). The host and
// disk tiers keep the rows elsewhere and fetch the ones a step needs into the compute device.
//
// Hash ids depend only on token ids (paper 2.5), so a caller that knows the tokens calls prefetch()
// for every Engram layer before the first layer runs; the fetch then overlaps the preceding layers'
// compute, and gather() exposes only what is left of it (the stall).

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>

#include "engram/fetch_stats.h"

namespace engram {

enum class TableTier { kDevice, kHost, kDisk };

std::string table_tier_name(TableTier tier);
// "device" | "host" | "disk"; throws std::invalid_argument naming the value and the choices.
TableTier parse_table_tier(const std::string& name);

struct TableStoreOptions {
  c10::Device device = c10::Device(c10::kCPU);  // where gathered rows and the hot-row cache live
  int64_t cache_rows = 0;                       // hot-row cache slots per Engram layer; 0 = none
  int fetch_threads = 1;                        // threads copying rows (the disk tier faults pages in parallel)
};

class TableStore {
 public:
  virtual ~TableStore() = default;
  // Starts fetching the rows that hash_ids [..., heads] (per-head ids, as the layer hashes them) of
  // Engram layer layer_id select. A later prefetch for the same layer replaces an unused one.
  virtual void prefetch(int64_t layer_id, const at::Tensor& hash_ids) = 0;
  // The rows [..., heads, dim] on the compute device, bit-identical to the module's embedding
  // lookup. Uses the pending prefetch when it was for these hash ids (waiting for it is the stall),
  // otherwise fetches now (all of the fetch is stall). The ids are matched on the CPU: pass the
  // tensor given to prefetch, or CPU ids (device ids are copied to the CPU, a synchronisation).
  virtual at::Tensor gather(int64_t layer_id, const at::Tensor& hash_ids) = 0;
  virtual TableStoreStats stats() const = 0;
  virtual void reset_stats() = 0;
};

}  // namespace engram
