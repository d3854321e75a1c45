#include "harness/speed/sweep_runner.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <ostream>

#include "harness/device_memory.h"
#include "harness/engine/memory_plan.h"
#include "harness/engram_offload.h"
#include "harness/speed/decode_graphs.h"
#include "harness/speed/generation_timing.h"
#include "harness/speed/nano_vllm_workload.h"
#include "harness/speed/parallel_speed.h"
#include "harness/speed/speed_model.h"
#include "harness/speed/speed_rows.h"
#include "harness/speed/statistics.h"

namespace engram::harness::speed {
namespace {

nlohmann::json milliseconds_percentiles(const std::vector<double>& seconds) {
  if (seconds.empty()) return {{"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}};
  return {{"p50", percentile(seconds, 50) * 1e3}, {"p90", percentile(seconds, 90) * 1e3},
          {"p99", percentile(seconds, 99) * 1e3}};
}

nlohmann::json null_if_zero_units(double units, double value) { return units > 0 ? nlohmann::json(value) : nlohmann::json(); }

// The fields every row shares, whatever the workload.
nlohmann::json base_row(const SweepOptions& o, const SpeedModel& m, const SweepPoint& point, int64_t batch) {
  const bool has_engram = m.model->config().engram.has_value();
  return {{"model", m.spec},
          {"dtype", m.dtype},
          {"device", m.device},
          {"threads", at::get_num_threads()},
          {"engram_table", has_engram ? nlohmann::json(m.tables ? m.tables->tier : m.exchange ? "sharded" : "device")
                                      : nlohmann::json()},
          {"engram_cache_rows", has_engram ? nlohmann::json(m.tables ? m.tables->cache_rows : 0) : nlohmann::json()},
          {"compression_table", has_engram ? nlohmann::json(m.lookup_source) : nlohmann::json()},
          {"workload", o.workload},
          {"workload_params", nullptr},
          {"batch", batch},
          {"batch_requested", point.batch.to_json()}};
}

// Ranks draw prompts of their own, as data-parallel ranks would have.
uint64_t prompt_seed(const SweepOptions& o, uint64_t offset) {
  return o.seed + offset + 7919 * static_cast<uint64_t>(o.parallel.rank);
}

nlohmann::json measure_sweep_point(const SweepOptions& o, SpeedModel& m, const SweepPoint& point, int64_t batch) {
  const at::Tensor prompt = random_prompt_ids(m, batch, point.prompt_tokens, prompt_seed(o, 1));
  // From before the first warm-up: later runs reuse the allocator's memory and would show no growth.
  PeakMemoryTracker memory(m.device);
  memory.start();
  const WarmupResult warm = warm_up(
      [&] {
        const GenerationTiming t = time_generation(m, prompt, point.gen_tokens);
        return t.prefill_seconds + t.decode_seconds;
      },
      o.warmup);
  if (m.tables) m.tables->store->reset_stats();  // the offload section covers the measured runs
  if (m.exchange) m.exchange->reset_timings();
  std::vector<double> prefill, decode, steps;
  for (int r = 0; r < o.repetitions; ++r) {
    const GenerationTiming t = time_generation(m, prompt, point.gen_tokens);
    prefill.push_back(t.prefill_seconds);
    decode.push_back(t.decode_seconds);
    steps.insert(steps.end(), t.step_seconds.begin(), t.step_seconds.end());
  }
  const double prompt_units = static_cast<double>(batch * point.prompt_tokens);
  const double decode_units = static_cast<double>(batch * (point.gen_tokens - 1));
  const RateSummary prefill_rate = rate_summary(prompt_units, prefill);
  const RateSummary decode_rate = rate_summary(decode_units, decode);
  std::vector<double> totals;
  for (std::size_t r = 0; r < prefill.size(); ++r) totals.push_back(prefill[r] + decode[r]);
  const RateSummary output_rate = rate_summary(static_cast<double>(batch * point.gen_tokens), totals);

  nlohmann::json row = base_row(o, m, point, batch);
  row["prompt_tokens"] = point.prompt_tokens;
  row["gen_tokens"] = point.gen_tokens;
  row["repetitions"] = o.repetitions;
  row["warmup"] = warm.runs;
  row["warmup_settled"] = warm.settled;
  row["warmup_cv"] = warm.last_cv;
  row["prefill_tok_s"] = prefill_rate.mean;
  row["prefill_tok_s_stddev"] = prefill_rate.stddev;
  row["decode_tok_s"] = null_if_zero_units(decode_units, decode_rate.mean);
  row["decode_tok_s_stddev"] = null_if_zero_units(decode_units, decode_rate.stddev);
  row["output_tok_s"] = output_rate.mean;
  row["ttft_ms"] = milliseconds_percentiles(prefill);  // every sequence of a batch gets its first token at once
  row["tpot_ms"] = milliseconds_percentiles(steps);
  row["peak_memory_bytes"] = memory.peak_bytes();
  row["peak_memory_kind"] = memory.kind();
  row["samples"] = {{"prefill_s", prefill}, {"decode_s", decode}};
  return row;
}

// The workload's row for one scheduler's run.
nlohmann::json nano_vllm_row(const SweepOptions& o, SpeedModel& m, const SweepPoint& point, int64_t batch,
                             const NanoVllmResult& r, const PeakMemoryTracker& memory) {
  double prefill_s = 0, decode_s = 0;
  for (double s : r.batch_prefill_seconds) prefill_s += s;
  for (double s : r.batch_decode_seconds) decode_s += s;
  const int64_t decode_tokens = r.output_tokens - static_cast<int64_t>(r.ttft_seconds.size());  // first tokens come from prefill
  const bool continuous = r.scheduler == "continuous";
  nlohmann::json row = base_row(o, m, point, batch);
  // The fixed-batch row gets a workload name of its own, so that reports never pair it with the
  // continuous row (or with the paper's figure) as the same measurement.
  row["workload"] = continuous ? "nano-vllm" : "nano-vllm-fixed-batch";
  row["workload_params"] = {{"num_seqs", o.nano_vllm.num_seqs},
                            {"min_tokens", o.nano_vllm.min_tokens},
                            {"max_input", o.nano_vllm.max_input},
                            {"max_output", o.nano_vllm.max_output},
                            {"length_seed", o.nano_vllm.seed},
                            {"scheduler", continuous ? "continuous batching over a paged KV cache (block size 16), "
                                                       "at most batch running, prefill one sequence at a time"
                                                     : "fixed max batch, arrival order, prefill then decode per batch"},
                            {"ignore_eos", true},
                            {"input_tokens", r.input_tokens},
                            {"output_tokens", r.output_tokens},
                            {"batches", r.batches},
                            {"decode_steps", r.decode_steps},
                            {"preemptions", r.preemptions},
                            {"padded_decode_slots", r.padded_decode_slots},
                            {"wall_seconds", r.wall_seconds}};
  row["prompt_tokens"] = r.input_tokens;
  row["gen_tokens"] = r.output_tokens;
  row["repetitions"] = 1;
  row["warmup"] = 1;
  row["warmup_settled"] = nullptr;
  row["warmup_cv"] = nullptr;
  // Continuous batching interleaves prefills with decode steps: no separate prefill and decode rates.
  row["prefill_tok_s"] = prefill_s > 0 ? nlohmann::json(static_cast<double>(r.input_tokens) / prefill_s) : nlohmann::json();
  row["prefill_tok_s_stddev"] = nullptr;
  row["decode_tok_s"] = decode_s > 0 ? nlohmann::json(static_cast<double>(decode_tokens) / decode_s) : nlohmann::json();
  row["decode_tok_s_stddev"] = nullptr;
  row["output_tok_s"] = static_cast<double>(r.output_tokens) / r.wall_seconds;
  row["ttft_ms"] = milliseconds_percentiles(r.ttft_seconds);
  row["tpot_ms"] = milliseconds_percentiles(r.tpot_seconds);
  row["peak_memory_bytes"] = memory.peak_bytes();
  row["peak_memory_kind"] = memory.kind();
  row["samples"] = {{"prefill_s", r.batch_prefill_seconds}, {"decode_s", r.batch_decode_seconds}};
  return row;
}

// Both schedulers on the same sequences and prompts: continuous batching first, then fixed batches.
std::vector<nlohmann::json> measure_nano_vllm(const SweepOptions& o, SpeedModel& m, const SweepPoint& point, int64_t batch) {
  const auto sequences = draw_nano_vllm_sequences(o.nano_vllm);
  // nano-vLLM's bench.py warms up with one short generate; so do we, on one short batch.
  const std::vector<WorkloadSequence> warm_sequences(static_cast<std::size_t>(std::min<int64_t>(batch, o.nano_vllm.num_seqs)),
                                                     WorkloadSequence{16, 4});
  std::vector<nlohmann::json> rows;
  for (const bool continuous : {true, false}) {
    PeakMemoryTracker memory(m.device);
    memory.start();
    const auto run = continuous ? run_nano_vllm_continuous : run_nano_vllm;
    run(m, warm_sequences, batch, prompt_seed(o, 7));
    if (m.tables) m.tables->store->reset_stats();  // the offload section covers the measured run
    if (m.exchange) m.exchange->reset_timings();
    const NanoVllmResult r = run(m, sequences, batch, prompt_seed(o, 1));
    rows.push_back(nano_vllm_row(o, m, point, batch, r, memory));
  }
  return rows;
}

// The row of `model`'s backbone alone (PRESET for PRESET+engram=SIZE) at the same point, if measured.
const nlohmann::json* baseline_row(const nlohmann::json& rows, const std::string& model, const nlohmann::json& row) {
  const size_t plus = model.find("+engram=");
  if (plus == std::string::npos) return nullptr;
  const std::string backbone = model.substr(0, plus);
  for (const auto& candidate : rows) {
    if (candidate["model"] != backbone || candidate["batch"] != row["batch"] || candidate["workload"] != row["workload"]) {
      continue;
    }
    if (row["workload"] == "sweep" &&
        (candidate["prompt_tokens"] != row["prompt_tokens"] || candidate["gen_tokens"] != row["gen_tokens"])) {
      continue;
    }
    return &candidate;
  }
  return nullptr;
}

nlohmann::json offload_entry(const SpeedModel& m, const nlohmann::json& row, const nlohmann::json& rows) {
  TierRun run;
  run.model = m.spec;
  run.tier = m.tables->tier;
  run.cache_rows = m.tables->cache_rows;
  run.table_parameters = m.tables->table_parameters;
  run.table_bytes = m.tables->table_bytes;
  run.batch = row["batch"].get<int64_t>();
  run.prompt_tokens = row["prompt_tokens"].get<int64_t>();
  run.gen_tokens = row["gen_tokens"].get<int64_t>();
  run.tok_s = row["output_tok_s"].get<double>();
  if (const nlohmann::json* baseline = baseline_row(rows, m.spec, row)) {
    run.baseline_model = (*baseline)["model"].get<std::string>();
    run.baseline_tok_s = (*baseline)["output_tok_s"].get<double>();
  }
  run.peak_rss_bytes = peak_resident_bytes();
  run.table_build_seconds = m.tables->build_seconds;
  run.table_file = m.tables->path;
  run.table_file_reused = m.tables->reused_file;
  run.stats = m.tables->store->stats();
  return tier_run_entry(run);
}

MemoryPlan plan_batch(const SweepOptions& options, const SpeedModel& model, const SweepPoint& point) {
  const bool nano = options.workload == "nano-vllm";
  MemoryPlanRequest request;
  // Tables in a host or disk tier are not module parameters, so the weights exclude them.
  request.weight_bytes = module_weight_bytes(*model.model);
  request.element_bytes = model.element_bytes;
  request.max_sequence_length =
      nano ? options.nano_vllm.max_input + options.nano_vllm.max_output : point.prompt_tokens + point.gen_tokens;
  request.projected_positions = 1;
  const MemoryBudget budget = memory_budget(options.device, options.memory_fraction, options.memory_budget_bytes);
  request.budget_bytes = budget.bytes;
  request.budget_source = budget.source;
  if (nano) request.max_batch = options.nano_vllm.num_seqs;
  return plan_memory(model.model->config(), request);
}

void print_row(std::ostream& progress, const SweepPoint& point, int64_t batch, const nlohmann::json& row) {
  const auto rate = [](const nlohmann::json& value) {
    return value.is_null() ? std::string("n/a") : fmt::format("{:.1f}", value.get<double>());
  };
  progress << fmt::format("{} {} batch {} prompt {} gen {}: prefill {} tok/s, decode {} tok/s, output {:.1f} tok/s ({} warm-ups)\n",
                          point.model, row["workload"].get<std::string>(), batch, row["prompt_tokens"].get<int64_t>(),
                          row["gen_tokens"].get<int64_t>(), rate(row["prefill_tok_s"]), rate(row["decode_tok_s"]),
                          row["output_tok_s"].get<double>(), row["warmup"].get<int>());
  progress.flush();
}

}  // namespace

nlohmann::json run_sweep(const SweepOptions& requested, std::ostream* progress) {
  validate(requested);
  SweepOptions options = requested;
  // Sharded forwards are collectives: every rank warms up the same number of times.
  if (options.parallel.shard) options.warmup.min_runs = options.warmup.max_runs;
  if (options.threads > 0) at::set_num_threads(options.threads);
  EngramTablePlacement placement;
  placement.tier = options.engram_table;
  placement.cache_rows = options.engram_cache_rows;
  placement.table_path = options.engram_table_file;
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json plans = nlohmann::json::array();
  nlohmann::json offload_runs = nlohmann::json::array();
  nlohmann::json all_to_all = nlohmann::json::array();
  std::optional<SpeedModel> model;
  const std::shared_ptr<RankExchange> exchange = options.parallel.shard ? make_speed_exchange(options.parallel) : nullptr;
  for (const SweepPoint& point : expand_sweep(options)) {
    if (!model || model->spec != point.model) {
      model.reset();  // free the previous model (and its tables) before building the next
      model = build_speed_model(point.model, options.dtype, options.device, options.seed, options.tokenizer_dir, placement,
                                exchange);
      const std::string obstacle = graph_capture_obstacle(model->model->config(), options.device);
      model->cuda_graphs = options.cuda_graphs && obstacle.empty();
      if (progress && options.device.rfind("cuda", 0) == 0) {
        *progress << fmt::format("{}: CUDA graph decoding {}\n", point.model,
                                 model->cuda_graphs ? "on" : "off (" + (options.cuda_graphs ? obstacle : "--cuda-graphs off") + ")");
      }
      if (progress && !model->lookup_source.empty()) {
        *progress << fmt::format("{}: Engram compression from {}\n", point.model, model->lookup_source);
      }
      if (progress && model->tables) {
        *progress << fmt::format("{}: {:.2f} GB of Engram tables in the {} tier ({:.1f} s to build{}), none on {}\n",
                                 point.model, model->tables->table_bytes / 1e9, model->tables->tier,
                                 model->tables->build_seconds, model->tables->reused_file ? ", file reused" : "",
                                 options.device);
      }
      if (progress && model->exchange) {
        *progress << fmt::format("{}: sharded over {} ranks: {}\n", point.model, options.parallel.world_size,
                                 model->sharding.dump());
      }
    }
    int64_t batch = point.batch.value;
    if (point.batch.is_auto()) {
      const MemoryPlan plan = plan_batch(options, *model, point);
      batch = plan.batch_size;
      plans.push_back({{"model", point.model},
                       {"plan", plan.to_json()},
                       {"engram_table", model->tables ? model->tables->tier : "device"},
                       {"engram_table_bytes_off_device", model->tables ? model->tables->table_bytes : 0}});
    }
    std::vector<nlohmann::json> measured = options.workload == "nano-vllm"
                                               ? measure_nano_vllm(options, *model, point, batch)
                                               : std::vector<nlohmann::json>{measure_sweep_point(options, *model, point, batch)};
    for (nlohmann::json& row : measured) {
      check_row(row);
      if (progress) print_row(*progress, point, batch, row);
      if (model->tables) offload_runs.push_back(offload_entry(*model, row, rows));
    }
    if (model->exchange) {
      // The exchange's timings cover the last measured run only (the nano-vllm workload's fixed-batch
      // row). A sweep run is one prefill and gen_tokens - 1 decode steps: gen_tokens forwards.
      const std::optional<int64_t> forwards =
          options.workload == "sweep" ? std::optional<int64_t>(options.repetitions * point.gen_tokens) : std::nullopt;
      for (auto& entry : all_to_all_entries(*model, measured.back(), forwards)) all_to_all.push_back(std::move(entry));
    }
    for (nlohmann::json& row : measured) rows.push_back(std::move(row));
  }
  nlohmann::json section = speed_section(rows);
  section["memory_plans"] = plans;
  if (!offload_runs.empty()) section["offload"] = {{"runs", offload_runs}};
  if (options.parallel.context) section["parallel"] = parallel_section(options.parallel, rows, all_to_all);
  return section;
}

}  // namespace engram::harness::speed
