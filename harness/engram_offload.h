#pragma once
// The cost of keeping Engram tables off the compute device, measured the way the paper's table 4
// compares them: the same model and workload with device-resident tables and with offloaded ones,
// interleaved repetition by repetition in one run so that drift (thermal, other processes) hits
// both alike. The offloaded runs prefetch every Engram layer's rows at the start of each forward.
//
// For the speed verb: build the model, call measure_offload, serialise with to_json.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "baselines/nn/causal_lm.h"
#include "engram/fetch_stats.h"
#include "engram/table_store.h"

namespace engram::harness {

struct OffloadWorkload {
  int64_t batch = 4;
  int64_t prompt_tokens = 128;
  int64_t decode_steps = 16;  // single-token cached steps after the prompt
  int64_t repetitions = 3;    // timed pairs (device, offloaded), after one untimed pair
  uint64_t seed = 0;          // prompt token ids
  // Prompt ids are drawn below this (0: the vocabulary size). Engram models must stay inside the
  // tokenizer's compression table, which can be smaller than the embedding.
  int64_t token_limit = 0;
};

struct OffloadConfig {
  TableTier tier = TableTier::kHost;  // kHost or kDisk
  int64_t cache_rows = 0;             // hot-row cache per Engram layer
  int fetch_threads = 4;
  // Disk tier: the model's tables are exported here first (empty: a file in the temporary
  // directory, removed afterwards).
  std::string table_path;
  bool cold = false;  // disk tier: drop the file's cached pages before every offloaded repetition
};

struct TierTiming {
  double prefill_seconds = 0;  // summed over the timed repetitions
  double decode_seconds = 0;
  double prefill_tokens_per_second = 0;
  double decode_tokens_per_second = 0;
  double tokens_per_second = 0;  // prompt and decoded tokens over all seconds
  std::vector<double> pass_seconds;  // prefill + decode of each timed repetition, for intervals
};

struct OffloadRun {
  std::string tier;
  int64_t cache_rows = 0;
  bool cold = false;
  OffloadWorkload workload;
  TierTiming device;     // tables in the module weights
  TierTiming offloaded;  // tables in the tier
  double overhead = 0;   // 1 - offloaded tok/s / device tok/s (negative: offloaded was faster)
  TableStoreStats stats;  // the timed offloaded repetitions only
};

// Runs `workload` on `model` (its current device and dtype) with the tables on the device and in
// `config.tier`, interleaved. Leaves the model as it found it (no store attached). Throws
// std::invalid_argument for a model without Engram or the device tier.
OffloadRun measure_offload(model::CausalLM& model, const OffloadConfig& config, const OffloadWorkload& workload);

// Field names follow the structs; per-layer stats carry rows, bytes, seconds, p50/p99, hit rate
// and overlap fraction.
nlohmann::json to_json(const TableStoreStats& stats);
nlohmann::json to_json(const OffloadRun& run);

// One entry of the report's offload.runs (docs/report-format.md): tier, the model's table size
// (parameters and bytes of every Engram layer's embedding), cache, offloaded tok/s, overhead in
// percent, per-layer rows, bytes, fetch and stall p50/p99 in ms and overlap; `detail` keeps
// to_json(run) with the device timings and the raw counters.
nlohmann::json offload_report_run(const model::CausalLM& model, const OffloadRun& run);

// One speed point measured with an Engram model's tables in the host or disk tier (the model built
// without them, harness/speed/speed_model_tables.h), against its backbone alone when measured.
struct TierRun {
  std::string model;
  std::string tier;
  int64_t cache_rows = 0;
  int64_t table_parameters = 0;
  int64_t table_bytes = 0;  // held off the device
  int64_t batch = 0, prompt_tokens = 0, gen_tokens = 0;
  double tok_s = 0;  // the row's output tokens per second
  std::optional<std::string> baseline_model;  // the backbone alone, when the sweep measured it
  std::optional<double> baseline_tok_s;
  int64_t peak_rss_bytes = 0;
  double table_build_seconds = 0;
  std::string table_file;  // disk tier
  bool table_file_reused = false;
  TableStoreStats stats;  // the point's measured runs (warm-up excluded)
};

// One entry of the report's offload.runs: the report fields (overhead_pct against the backbone,
// null without one), device_bytes_saved, fetch and stall p50/p99 in ms and the overlap over all
// layers, unprefetched steps, peak RSS, the table file, per-layer stats and `detail` (to_json(stats)).
nlohmann::json tier_run_entry(const TierRun& run);

// measure_offload, then offload_report_run with the run's model name and shape (model, batch,
// prompt_tokens, gen_tokens = decode steps + 1) added; one summary line to `progress` when given.
nlohmann::json measure_offload_entry(model::CausalLM& model, const std::string& model_name, const OffloadConfig& config,
                                     const OffloadWorkload& workload, std::ostream* progress);

}  // namespace engram::harness
