#include "harness/engram_offload.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engram/engram_tables.h"

namespace engram::harness {
namespace {

using Clock = std::chrono::steady_clock;

double now_seconds(const c10::Device& device) {
  // Work queued on a GPU is only done once the device says so.
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

struct PassTime {
  double prefill = 0;
  double decode = 0;
};

// One prefill of the prompts, then greedy single-token steps through the KV cache.
PassTime run_pass(model::CausalLM& model, const at::Tensor& prompt, int64_t decode_steps) {
  torch::NoGradGuard no_grad;
  const c10::Device device = model->model->embed_tokens->weight.device();
  PassTime time;
  model::KvCache cache = model->new_cache();
  double start = now_seconds(device);
  at::Tensor hidden = model->forward_hidden(prompt, &cache);
  // The next token comes back to the CPU, as a serving loop's would.
  at::Tensor next = model->project(hidden.select(1, prompt.size(1) - 1)).argmax(-1, true).to(at::kCPU);
  double end = now_seconds(device);
  time.prefill = end - start;
  start = end;
  for (int64_t step = 0; step < decode_steps; ++step) {
    hidden = model->forward_hidden(next, &cache);
    next = model->project(hidden.select(1, 0)).argmax(-1, true).to(at::kCPU);
  }
  time.decode = now_seconds(device) - start;
  return time;
}

void add(TierTiming& timing, const PassTime& pass) {
  timing.prefill_seconds += pass.prefill;
  timing.decode_seconds += pass.decode;
  timing.pass_seconds.push_back(pass.prefill + pass.decode);
}

void finish(TierTiming& timing, const OffloadWorkload& workload) {
  const double prompt_tokens = static_cast<double>(workload.batch * workload.prompt_tokens * workload.repetitions);
  const double decode_tokens = static_cast<double>(workload.batch * workload.decode_steps * workload.repetitions);
  const auto rate = [](double tokens, double seconds) { return seconds > 0 ? tokens / seconds : 0.0; };
  timing.prefill_tokens_per_second = rate(prompt_tokens, timing.prefill_seconds);
  timing.decode_tokens_per_second = rate(decode_tokens, timing.decode_seconds);
  timing.tokens_per_second = rate(prompt_tokens + decode_tokens, timing.prefill_seconds + timing.decode_seconds);
}

nlohmann::json to_json(const LayerFetchStats& layer) {
  return {{"layer_id", layer.layer_id},
          {"steps", layer.steps},
          {"lookups", layer.lookups},
          {"unique_rows", layer.unique_rows},
          {"cache_hits", layer.cache_hits},
          {"hit_rate", layer.hit_rate()},
          {"rows_fetched", layer.rows_fetched},
          {"bytes_fetched", layer.bytes_fetched},
          {"unprefetched_steps", layer.unprefetched_steps},
          {"fetch_seconds", layer.fetch_seconds},
          {"stall_seconds", layer.stall_seconds},
          {"fetch_seconds_p50", layer.fetch.p50},
          {"fetch_seconds_p99", layer.fetch.p99},
          {"stall_seconds_p50", layer.stall.p50},
          {"stall_seconds_p99", layer.stall.p99},
          {"overlap_fraction", layer.overlap_fraction()},
          {"overlap_fraction_p50", layer.overlap.p50},
          {"overlap_fraction_p99", layer.overlap.p99}};
}

nlohmann::json to_json(const TierTiming& timing) {
  return {{"prefill_seconds", timing.prefill_seconds},
          {"decode_seconds", timing.decode_seconds},
          {"prefill_tokens_per_second", timing.prefill_tokens_per_second},
          {"decode_tokens_per_second", timing.decode_tokens_per_second},
          {"tokens_per_second", timing.tokens_per_second}};
}

}  // namespace

OffloadRun measure_offload(model::CausalLM& model, const OffloadConfig& config, const OffloadWorkload& workload) {
  if (config.tier == TableTier::kDevice) throw std::invalid_argument("measure_offload: choose the host or disk tier");
  const std::vector<Engram> layers = model->engram_layers();
  if (layers.empty()) throw std::invalid_argument("measure_offload: the model has no Engram layers");
  if (workload.batch < 1 || workload.prompt_tokens < 1 || workload.decode_steps < 0 || workload.repetitions < 1) {
    throw std::invalid_argument("measure_offload: batch, prompt_tokens and repetitions must be positive");
  }
  TableStoreOptions options;
  options.device = model->model->embed_tokens->weight.device();
  options.cache_rows = config.cache_rows;
  options.fetch_threads = config.fetch_threads;

  std::shared_ptr<const TableFile> file;
  std::string temporary_path;
  std::shared_ptr<TableStore> store;
  if (config.tier == TableTier::kHost) {
    store = make_host_table_store(layers, options);
  } else {
    std::string path = config.table_path;
    if (path.empty()) {
      temporary_path = (std::filesystem::temp_directory_path() /
                        ("engram_offload_" + std::to_string(::getpid()) + ".engram")).string();
      path = temporary_path;
    }
    export_engram_tables(path, layers);
    file = TableFile::open(path, /*verify_rows=*/false);
    store = make_disk_table_store(file, layers, options);
  }

  auto generator = at::make_generator<at::CPUGeneratorImpl>(workload.seed);
  const int64_t token_limit = workload.token_limit > 0 ? workload.token_limit : model->config().vocab_size;
  const at::Tensor prompt = at::randint(0, token_limit, {workload.batch, workload.prompt_tokens},
                                        generator, at::TensorOptions().dtype(at::kLong));
  OffloadRun run;
  run.tier = table_tier_name(config.tier);
  run.cache_rows = config.cache_rows;
  run.cold = config.cold;
  run.workload = workload;
  const auto offloaded_pass = [&] {
    if (file && config.cold) file->drop_cached_pages();
    model->attach_engram_tables(store);
    try {
      const PassTime time = run_pass(model, prompt, workload.decode_steps);
      model->attach_engram_tables(nullptr);
      return time;
    } catch (...) {
      model->attach_engram_tables(nullptr);
      throw;
    }
  };
  // Untimed first pair: allocator pools, page tables, the cache's first fill.
  run_pass(model, prompt, workload.decode_steps);
  offloaded_pass();
  store->reset_stats();
  for (int64_t rep = 0; rep < workload.repetitions; ++rep) {
    // Alternating which goes first cancels a steady drift between the two.
    if (rep % 2 == 0) {
      add(run.device, run_pass(model, prompt, workload.decode_steps));
      add(run.offloaded, offloaded_pass());
    } else {
      add(run.offloaded, offloaded_pass());
      add(run.device, run_pass(model, prompt, workload.decode_steps));
    }
  }
  finish(run.device, workload);
  finish(run.offloaded, workload);
  run.overhead = run.device.tokens_per_second > 0 ? 1.0 - run.offloaded.tokens_per_second / run.device.tokens_per_second : 0.0;
  run.stats = store->stats();
  store.reset();
  file.reset();
  if (!temporary_path.empty()) std::remove(temporary_path.c_str());
  return run;
}

nlohmann::json to_json(const TableStoreStats& stats) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerFetchStats& layer : stats.layers) layers.push_back(to_json(layer));
  return {{"tier", stats.tier}, {"cache_rows", stats.cache_rows}, {"total", to_json(stats.total())}, {"layers", layers}};
}

nlohmann::json to_json(const OffloadRun& run) {
  return {{"tier", run.tier},
          {"cache_rows", run.cache_rows},
          {"cold", run.cold},
          {"workload",
           {{"batch", run.workload.batch},
            {"prompt_tokens", run.workload.prompt_tokens},
            {"decode_steps", run.workload.decode_steps},
            {"repetitions", run.workload.repetitions},
            {"seed", run.workload.seed}}},
          {"device", to_json(run.device)},
          {"offloaded", to_json(run.offloaded)},
          {"overhead", run.overhead},
          {"stats", to_json(run.stats)}};
}

namespace {

nlohmann::json milliseconds(const Percentiles& p) { return {{"p50", p.p50 * 1e3}, {"p99", p.p99 * 1e3}}; }

nlohmann::json report_layers(const TableStoreStats& stats) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerFetchStats& layer : stats.layers) {
    layers.push_back({{"layer", layer.layer_id},
                      {"rows", layer.rows_fetched},
                      {"bytes", layer.bytes_fetched},
                      {"fetch_ms", milliseconds(layer.fetch)},
                      {"stall_ms", milliseconds(layer.stall)},
                      {"overlap_fraction", layer.overlap_fraction()}});
  }
  return layers;
}

nlohmann::json hit_rate_or_null(int64_t cache_rows, const TableStoreStats& stats) {
  return cache_rows > 0 ? nlohmann::json(stats.total().hit_rate()) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json offload_report_run(const model::CausalLM& model, const OffloadRun& run) {
  const int64_t table_bytes = engram_table_bytes(model->engram_layers());
  const int64_t element = static_cast<int64_t>(c10::elementSize(engram_table_dtype(model->engram_layers(), "offload")));
  return {{"tier", run.tier},
          {"table_parameters", table_bytes / element},
          {"table_bytes", table_bytes},
          {"cache_rows", run.cache_rows},
          {"cache_hit_rate", hit_rate_or_null(run.cache_rows, run.stats)},
          {"tok_s", run.offloaded.tokens_per_second},
          {"device_tok_s", run.device.tokens_per_second},
          {"overhead_pct", 100.0 * run.overhead},
          {"samples", {{"device_s", run.device.pass_seconds}, {"offloaded_s", run.offloaded.pass_seconds}}},
          {"layers", report_layers(run.stats)},
          {"detail", to_json(run)}};
}

nlohmann::json tier_run_entry(const TierRun& run) {
  const LayerFetchStats total = run.stats.total();
  const bool has_baseline = run.baseline_tok_s && *run.baseline_tok_s > 0;
  return {{"model", run.model},
          {"tier", run.tier},
          {"table_parameters", run.table_parameters},
          {"table_bytes", run.table_bytes},
          {"device_bytes_saved", run.table_bytes},
          {"cache_rows", run.cache_rows},
          {"cache_hit_rate", hit_rate_or_null(run.cache_rows, run.stats)},
          {"batch", run.batch},
          {"prompt_tokens", run.prompt_tokens},
          {"gen_tokens", run.gen_tokens},
          {"tok_s", run.tok_s},
          {"baseline_model", run.baseline_model ? nlohmann::json(*run.baseline_model) : nlohmann::json(nullptr)},
          {"baseline_tok_s", has_baseline ? nlohmann::json(*run.baseline_tok_s) : nlohmann::json(nullptr)},
          {"overhead_pct", has_baseline ? nlohmann::json(100.0 * (1.0 - run.tok_s / *run.baseline_tok_s)) : nlohmann::json(nullptr)},
          {"fetch_ms", milliseconds(total.fetch)},
          {"stall_ms", milliseconds(total.stall)},
          {"overlap_fraction", total.overlap_fraction()},
          {"unprefetched_steps", total.unprefetched_steps},
          {"peak_rss_bytes", run.peak_rss_bytes},
          {"table_build_seconds", run.table_build_seconds},
          {"table_file", run.table_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.table_file)},
          {"table_file_reused", run.table_file_reused},
          {"layers", report_layers(run.stats)},
          {"detail", to_json(run.stats)}};
}

nlohmann::json measure_offload_entry(model::CausalLM& model, const std::string& model_name, const OffloadConfig& config,
                                     const OffloadWorkload& workload, std::ostream* progress) {
  const OffloadRun run = measure_offload(model, config, workload);
  if (progress) {
    *progress << fmt::format("{} batch {} prompt {} gen {}: {} tables (cache {} rows/layer) {:.1f} tok/s vs device "
                             "{:.1f} tok/s, overhead {:+.2f}%, overlap {:.3f}\n",
                             model_name, workload.batch, workload.prompt_tokens, workload.decode_steps + 1, run.tier,
                             run.cache_rows, run.offloaded.tokens_per_second, run.device.tokens_per_second,
                             100 * run.overhead, run.stats.total().overlap_fraction());
    progress->flush();
  }
  nlohmann::json entry = offload_report_run(model, run);
  entry["model"] = model_name;
  entry["batch"] = workload.batch;
  entry["prompt_tokens"] = workload.prompt_tokens;
  entry["gen_tokens"] = workload.decode_steps + 1;
  return entry;
}

}  // namespace engram::harness
