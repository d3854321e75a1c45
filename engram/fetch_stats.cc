#include "engram/fetch_stats.h"

#include <algorithm>
#include <cmath>

namespace engram {
namespace {

double clamp_unit(double x) { return std::min(1.0, std::max(0.0, x)); }

void add_counts(LayerFetchStats& into, const LayerFetchStats& from) {
  into.steps += from.steps;
  into.lookups += from.lookups;
  into.unique_rows += from.unique_rows;
  into.cache_hits += from.cache_hits;
  into.rows_fetched += from.rows_fetched;
  into.bytes_fetched += from.bytes_fetched;
  into.unprefetched_steps += from.unprefetched_steps;
  into.fetch_seconds += from.fetch_seconds;
  into.stall_seconds += from.stall_seconds;
}

LayerFetchStats summarise(int64_t layer_id, const std::vector<FetchStep>& steps) {
  LayerFetchStats out;
  out.layer_id = layer_id;
  std::vector<double> fetch, stall, overlap;
  for (const FetchStep& step : steps) {
    ++out.steps;
    out.lookups += step.lookups;
    out.unique_rows += step.unique_rows;
    out.cache_hits += step.cache_hits;
    out.rows_fetched += step.rows_fetched;
    out.bytes_fetched += step.bytes_fetched;
    if (!step.prefetched) ++out.unprefetched_steps;
    out.fetch_seconds += step.fetch_seconds;
    out.stall_seconds += step.stall_seconds;
    fetch.push_back(step.fetch_seconds);
    stall.push_back(step.stall_seconds);
    overlap.push_back(step_overlap(step));
  }
  out.fetch = {percentile(fetch, 0.5), percentile(fetch, 0.99)};
  out.stall = {percentile(stall, 0.5), percentile(stall, 0.99)};
  out.overlap = {percentile(overlap, 0.5), percentile(overlap, 0.99)};
  return out;
}

}  // namespace

double LayerFetchStats::overlap_fraction() const {
  if (fetch_seconds <= 0) return 1.0;
  return clamp_unit(1.0 - stall_seconds / fetch_seconds);
}

double LayerFetchStats::hit_rate() const {
  return unique_rows > 0 ? static_cast<double>(cache_hits) / static_cast<double>(unique_rows) : 0.0;
}

LayerFetchStats TableStoreStats::total() const {
  LayerFetchStats out;
  out.layer_id = -1;
  for (const LayerFetchStats& layer : layers) add_counts(out, layer);
  // Percentiles of a union cannot be rebuilt from per-layer percentiles; the worst layer's are the
  // honest bound for "what did a step cost".
  for (const LayerFetchStats& layer : layers) {
    out.fetch.p50 = std::max(out.fetch.p50, layer.fetch.p50);
    out.fetch.p99 = std::max(out.fetch.p99, layer.fetch.p99);
    out.stall.p50 = std::max(out.stall.p50, layer.stall.p50);
    out.stall.p99 = std::max(out.stall.p99, layer.stall.p99);
  }
  out.overlap = {out.overlap_fraction(), out.overlap_fraction()};
  return out;
}

double step_overlap(const FetchStep& step) {
  if (step.fetch_seconds <= 0) return 1.0;
  return clamp_unit(1.0 - step.stall_seconds / step.fetch_seconds);
}

double percentile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0.0;
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(clamp_unit(q) * static_cast<double>(samples.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

void FetchStatsRecorder::record(int64_t layer_id, const FetchStep& step) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = std::find_if(layers_.begin(), layers_.end(), [&](const auto& entry) { return entry.first == layer_id; });
  if (it == layers_.end()) {
    layers_.push_back({layer_id, {}});
    it = std::prev(layers_.end());
  }
  it->second.push_back(step);
}

std::vector<LayerFetchStats> FetchStatsRecorder::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<LayerFetchStats> out;
  for (const auto& [layer_id, steps] : layers_) out.push_back(summarise(layer_id, steps));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.layer_id < b.layer_id; });
  return out;
}

void FetchStatsRecorder::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  layers_.clear();
}

}  // namespace engram
