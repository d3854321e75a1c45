#pragma once
// What fetching an Engram layer's table rows cost, per layer and per step (one prefetch + gather):
// rows and bytes moved, how long the fetch took, and how much of it the layer actually waited for
// (the stall). The fetch runs while the preceding layers compute, so overlap = 1 - stall / fetch is
// the share of the fetch that prefetching hid. No LibTorch, so the harness can serialise it freely.

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace engram {

struct FetchStep {
  int64_t lookups = 0;       // hash ids looked up (batch * tokens * heads)
  int64_t unique_rows = 0;   // distinct rows among them
  int64_t cache_hits = 0;    // distinct rows found in the hot-row cache
  int64_t rows_fetched = 0;  // distinct rows read from the slower tier
  int64_t bytes_fetched = 0;
  double fetch_seconds = 0;  // prefetch issued -> rows ready where the layer reads them
  double stall_seconds = 0;  // time the layer's gather waited for the fetch
  bool prefetched = true;    // false: no prefetch was pending for these ids, so gather fetched them itself
};

struct Percentiles {
  double p50 = 0;
  double p99 = 0;
};

struct LayerFetchStats {
  int64_t layer_id = 0;
  int64_t steps = 0;
  int64_t lookups = 0;
  int64_t unique_rows = 0;
  int64_t cache_hits = 0;
  int64_t rows_fetched = 0;
  int64_t bytes_fetched = 0;
  int64_t unprefetched_steps = 0;  // steps whose gather found no prefetch for its ids
  double fetch_seconds = 0;  // sums over steps
  double stall_seconds = 0;
  Percentiles fetch;  // per-step seconds
  Percentiles stall;
  Percentiles overlap;
  // 1 - total stall / total fetch, clamped to [0, 1]; 1 when nothing was fetched.
  double overlap_fraction() const;
  // cache hits / distinct rows looked up; 0 without a cache or lookups.
  double hit_rate() const;
};

struct TableStoreStats {
  std::string tier;  // "host" or "disk"
  int64_t cache_rows = 0;  // hot-row cache capacity per layer, 0 = none
  std::vector<LayerFetchStats> layers;  // ascending layer id
  // Over all layers.
  LayerFetchStats total() const;
};

// Per-step overlap: 1 - stall / fetch, clamped to [0, 1]; 1 for a step that fetched nothing.
double step_overlap(const FetchStep& step);

// Nearest-rank percentile (q in [0, 1]) of unsorted samples; 0 for none.
double percentile(std::vector<double> samples, double q);

// Collects steps from the thread that runs gathers; snapshots may be taken from any thread.
class FetchStatsRecorder {
 public:
  void record(int64_t layer_id, const FetchStep& step);
  std::vector<LayerFetchStats> snapshot() const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<int64_t, std::vector<FetchStep>>> layers_;
};

}  // namespace engram
