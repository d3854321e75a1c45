// Does prefetching hide the disk tier? Two measurements, figures for the closing notes:
//
// BM_DiskTableGather: one Engram layer at the Engram-27B row shape (16 heads x 80 floats) with a
// table of ENGRAM_OFFLOAD_TABLE_GB (default 4) GB, in memory (the module's weight) and in a table
// file in /tmp (created once, reused while its layout matches). Each step hashes a batch of tokens,
// then either runs "the preceding layers" (real matmuls for compute_us) and gathers from memory, or
// prefetches from the file, runs the same compute, and gathers. Cold steps drop the file's pages
// first (posix_fadvise + madvise DONTNEED); warm steps reuse a pool of batches already read once.
// Counters: fetch and stall per step, overlap = 1 - stall / fetch, overhead vs the in-memory step.
//
// BM_TinyEngramOffload: the tiny-engram preset's prefill + cached decoding with its tables in the
// host or disk tier (with and without a hot-row cache), interleaved with the device tier
// (harness::measure_offload).
//
// Delete the big file afterwards: rm /tmp/engram_offload_*.engram
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "baselines/presets.h"
#include "engram/engram_tables.h"
#include "engram/hash_tensor.h"
#include "harness/engram_offload.h"
#include "harness/engram_speed.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kLayer = 2;
constexpr int64_t kBatchPool = 16;

double elapsed(Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); }

// Real compute standing in for the layers between the prefetch and the gather: it occupies a core
// as a transformer block would, rather than sleeping.
void compute_for(double seconds, const at::Tensor& a, const at::Tensor& b) {
  const Clock::time_point start = Clock::now();
  while (elapsed(start) < seconds) benchmark::DoNotOptimize(at::mm(a, b).data_ptr());
}

double table_gigabytes() {
  const char* env = std::getenv("ENGRAM_OFFLOAD_TABLE_GB");
  return env && *env ? std::atof(env) : 4.0;
}

// The big table: an Engram layer whose weight is the in-memory copy, and the same rows in a file.
struct BigTable {
  std::shared_ptr<const engram::NgramHashMapping> mapping;
  engram::Engram layer{nullptr};
  std::shared_ptr<const engram::TableFile> file;
  std::vector<at::Tensor> hash_batches;  // per tokens-per-step value, kBatchPool batches
  int64_t tokens = 0;
};

BigTable& big_table(int64_t tokens) {
  static std::unique_ptr<BigTable> table;
  if (!table) {
    table = std::make_unique<BigTable>();
    const double gigabytes = table_gigabytes();
    // 16 heads of 80 float32 values per row (Engram-27B's d_mem 1280 over 2 orders x 8 heads).
    const int64_t row_bytes = 80 * 4;
    const auto base_rows = static_cast<int64_t>(gigabytes * 1e9 / row_bytes / 16);
    const engram::EngramConfig config = engram::harness::engram27b_memory_config(base_rows);
    table->mapping = std::make_shared<const engram::NgramHashMapping>(config.hash, engram::harness::synthetic_lookup_table());
    at::manual_seed(20240607);  // the same weights every run, so an existing file can be reused
    table->layer = engram::Engram(config, table->mapping, kLayer);
    table->layer->eval();
    const std::vector<engram::Engram> layers{table->layer};
    const std::string path = "/tmp/engram_offload_" + std::to_string(static_cast<int>(gigabytes * 1000)) + "mb.engram";
    bool reuse = false;
    try {
      auto existing = engram::TableFile::open(path, /*verify_rows=*/false);
      existing->expect(engram::TableDtype::kFloat32, engram::table_layouts(layers));
      // Spot-check a few rows against the seeded weight instead of reading 4 GB.
      const at::Tensor weight = table->layer->multi_head_embedding->embedding->weight;
      reuse = true;
      for (int64_t row : {int64_t{0}, weight.size(0) / 2, weight.size(0) - 1}) {
        reuse = reuse && std::memcmp(existing->rows(kLayer) + row * row_bytes, weight[row].data_ptr(), row_bytes) == 0;
      }
    } catch (const std::exception&) {
    }
    if (!reuse) engram::export_engram_tables(path, layers);
    table->file = engram::TableFile::open(path, /*verify_rows=*/false);
  }
  if (table->tokens != tokens) {
    table->tokens = tokens;
    table->hash_batches.clear();
    for (int64_t i = 0; i < kBatchPool; ++i) {
      const at::Tensor ids = at::randint(0, 129280, {1, tokens}, at::kLong);
      table->hash_batches.push_back(engram::hash_ngrams(*table->mapping, ids, kLayer));
    }
  }
  return *table;
}

// Args: tokens per step, compute microseconds, cold (1) or warm (0), fetch threads.
void BM_DiskTableGather(benchmark::State& state) {
  const int64_t tokens = state.range(0);
  const double compute_seconds = static_cast<double>(state.range(1)) * 1e-6;
  const bool cold = state.range(2) != 0;
  at::set_num_threads(1);
  BigTable& table = big_table(tokens);
  engram::TableStoreOptions options;
  options.fetch_threads = static_cast<int>(state.range(3));
  auto store = engram::make_disk_table_store(table.file, {table.layer}, options);
  const at::Tensor a = at::randn({128, 128}), b = at::randn({128, 128});
  at::NoGradGuard no_grad;
  // Warm: read every batch's rows once, so the timed steps find them in the page cache.
  for (const at::Tensor& ids : table.hash_batches) store->gather(kLayer, ids);
  store->reset_stats();
  double memory_seconds = 0, disk_seconds = 0;
  int64_t step = 0;
  bool checked = false;
  for (auto _ : state) {
    const at::Tensor& ids = table.hash_batches[static_cast<std::size_t>(step++ % kBatchPool)];
    if (cold) table.file->drop_cached_pages();
    Clock::time_point start = Clock::now();
    compute_for(compute_seconds, a, b);
    const at::Tensor in_memory = table.layer->multi_head_embedding->forward(ids);
    memory_seconds += elapsed(start);

    start = Clock::now();
    store->prefetch(kLayer, ids);
    compute_for(compute_seconds, a, b);
    const at::Tensor from_disk = store->gather(kLayer, ids);
    const double seconds = elapsed(start);
    disk_seconds += seconds;
    state.SetIterationTime(seconds);
    if (!checked) {
      checked = true;
      if (!at::equal(in_memory, from_disk)) state.SkipWithError("disk rows differ from the in-memory rows");
    }
  }
  const engram::LayerFetchStats stats = store->stats().total();
  const double steps = static_cast<double>(std::max<int64_t>(1, stats.steps));
  state.counters["fetch_ms"] = stats.fetch_seconds / steps * 1e3;
  state.counters["stall_ms"] = stats.stall_seconds / steps * 1e3;
  state.counters["fetch_p99_ms"] = stats.fetch.p99 * 1e3;
  state.counters["stall_p99_ms"] = stats.stall.p99 * 1e3;
  state.counters["overlap"] = stats.overlap_fraction();
  state.counters["rows_per_step"] = static_cast<double>(stats.rows_fetched) / steps;
  state.counters["memory_step_ms"] = memory_seconds / steps * 1e3;
  state.counters["overhead_pct"] = memory_seconds > 0 ? (disk_seconds / memory_seconds - 1.0) * 100.0 : 0.0;
  state.counters["MB_per_s"] = stats.fetch_seconds > 0 ? static_cast<double>(stats.bytes_fetched) / stats.fetch_seconds / 1e6 : 0.0;
  state.SetLabel(std::string(cold ? "cold" : "warm") + " table " + std::to_string(table.file->file_bytes() >> 20) + " MiB");
}

// Decode-like (256 sequences x 1 token) and prefill-like (2048 tokens) steps: no compute (the bare
// fetch), then "preceding layers" shorter than, near and longer than the fetch.
void warm_cases(benchmark::internal::Benchmark* b) {
  for (int64_t tokens : {256, 2048}) {
    for (int64_t compute_us : {0, 2000, 10000, 50000}) b->Args({tokens, compute_us, 0, 4});
  }
}

// A cold row is a random read from the storage device, about 100 times a warm one's cost; the
// compute windows scale with it. More fetch threads keep more reads in flight.
void cold_cases(benchmark::internal::Benchmark* b) {
  for (int64_t compute_us : {0, 50000, 200000}) b->Args({256, compute_us, 1, 4});
  b->Args({256, 0, 1, 16});
  b->Args({256, 200000, 1, 16});
  for (int64_t compute_us : {0, 1000000}) b->Args({2048, compute_us, 1, 16});
}

engram::model::CausalLM tiny_engram() {
  const engram::model::ModelConfig& config = engram::model::find_preset("tiny-engram").config;
  auto hashing = std::make_shared<const engram::NgramHashMapping>(config.engram->hash, engram::harness::synthetic_lookup_table());
  engram::model::CausalLM model(config, hashing);
  model->init_weights(17);
  model->eval();
  return model;
}

// Args: tier (1 host, 2 disk), cache rows, cold.
void BM_TinyEngramOffload(benchmark::State& state) {
  at::set_num_threads(1);
  engram::model::CausalLM model = tiny_engram();
  engram::harness::OffloadConfig config;
  config.tier = state.range(0) == 1 ? engram::TableTier::kHost : engram::TableTier::kDisk;
  config.cache_rows = state.range(1);
  config.cold = state.range(2) != 0;
  config.fetch_threads = 2;
  engram::harness::OffloadWorkload workload;
  workload.batch = 4;
  workload.prompt_tokens = 128;
  workload.decode_steps = 16;
  workload.repetitions = 4;
  engram::harness::OffloadRun run;
  for (auto _ : state) {
    run = engram::harness::measure_offload(model, config, workload);
    state.SetIterationTime(run.offloaded.prefill_seconds + run.offloaded.decode_seconds);
  }
  const engram::LayerFetchStats total = run.stats.total();
  const double steps = static_cast<double>(std::max<int64_t>(1, total.steps));
  state.counters["device_tok_s"] = run.device.tokens_per_second;
  state.counters["offloaded_tok_s"] = run.offloaded.tokens_per_second;
  state.counters["overhead_pct"] = run.overhead * 100.0;
  state.counters["fetch_ms"] = total.fetch_seconds / steps * 1e3;
  state.counters["stall_ms"] = total.stall_seconds / steps * 1e3;
  state.counters["overlap"] = total.overlap_fraction();
  state.counters["hit_rate"] = total.hit_rate();
  state.SetLabel(run.tier + (config.cold ? " cold" : "") + (config.cache_rows ? " cache " + std::to_string(config.cache_rows) : ""));
}

}  // namespace

BENCHMARK(BM_TinyEngramOffload)
    ->Args({1, 0, 0})
    ->Args({1, 4096, 0})
    ->Args({2, 0, 0})
    ->Args({2, 0, 1})
    ->Args({2, 4096, 1})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DiskTableGather)->Apply(warm_cases)->Iterations(24)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DiskTableGather)->Apply(cold_cases)->Iterations(12)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
