#include "harness/speed/sweep_runner.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <ostream>

#include "harness/device_memory.h"
#include "harness/engine/memory_plan.h"
#include "harness/engram_offload.h"
#include "harness/speed/generation_timing.h"
#include "harness/speed/nano_vllm_workload.h"
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
          {"engram_table", has_engram ? nlohmann::json("device") : nlohmann::json()},
          {"engram_cache_rows", has_engram ? nlohmann::json(0) : nlohmann::json()},
          {"compression_table", has_engram ? nlohmann::json(m.lookup_source) : nlohmann::json()},
          {"workload", o.workload},
          {"workload_params", nullptr},
          {"batch", batch},
          {"batch_requested", point.batch == kAutoBatch ? nlohmann::json("auto") : nlohmann::json(point.batch)}};
}

nlohmann::json measure_sweep_point(const SweepOptions& o, SpeedModel& m, const SweepPoint& point, int64_t batch) {
  const at::Tensor prompt = random_prompt_ids(m, batch, point.prompt_tokens, o.seed + 1);
  // From before the first warm-up: later runs reuse the allocator's memory and would show no growth.
  PeakMemoryTracker memory(m.device);
  memory.start();
  const WarmupResult warm = warm_up(
      [&] {
        const GenerationTiming t = time_generation(m, prompt, point.gen_tokens);
        return t.prefill_seconds + t.decode_seconds;
      },
      o.warmup);
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

nlohmann::json measure_nano_vllm(const SweepOptions& o, SpeedModel& m, const SweepPoint& point, int64_t batch) {
  const auto sequences = draw_nano_vllm_sequences(o.nano_vllm);
  // nano-vLLM's bench.py warms up with one short generate; so do we, on one short batch.
  const std::vector<WorkloadSequence> warm_sequences(static_cast<std::size_t>(std::min<int64_t>(batch, o.nano_vllm.num_seqs)),
                                                     WorkloadSequence{16, 4});
  PeakMemoryTracker memory(m.device);
  memory.start();
  run_nano_vllm(m, warm_sequences, batch, o.seed + 7);
  const NanoVllmResult r = run_nano_vllm(m, sequences, batch, o.seed + 1);
  double prefill_s = 0, decode_s = 0;
  for (double s : r.batch_prefill_seconds) prefill_s += s;
  for (double s : r.batch_decode_seconds) decode_s += s;
  const int64_t decode_tokens = r.output_tokens - static_cast<int64_t>(sequences.size());  // first tokens come from prefill

  nlohmann::json row = base_row(o, m, point, batch);
  row["workload_params"] = {{"num_seqs", o.nano_vllm.num_seqs},
                            {"min_tokens", o.nano_vllm.min_tokens},
                            {"max_input", o.nano_vllm.max_input},
                            {"max_output", o.nano_vllm.max_output},
                            {"length_seed", o.nano_vllm.seed},
                            {"scheduler", "fixed max batch, arrival order, prefill then decode per batch"},
                            {"ignore_eos", true},
                            {"input_tokens", r.input_tokens},
                            {"output_tokens", r.output_tokens},
                            {"batches", r.batches},
                            {"padded_decode_slots", r.padded_decode_slots},
                            {"wall_seconds", r.wall_seconds}};
  row["prompt_tokens"] = r.input_tokens;
  row["gen_tokens"] = r.output_tokens;
  row["repetitions"] = 1;
  row["warmup"] = 1;
  row["warmup_settled"] = nullptr;
  row["warmup_cv"] = nullptr;
  row["prefill_tok_s"] = prefill_s > 0 ? static_cast<double>(r.input_tokens) / prefill_s : 0.0;
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

}  // namespace

nlohmann::json run_sweep(const SweepOptions& options, std::ostream* progress) {
  validate(options);
  if (options.threads > 0) at::set_num_threads(options.threads);
  const std::vector<SweepPoint> points = expand_sweep(options);
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json plans = nlohmann::json::array();
  nlohmann::json offload_runs = nlohmann::json::array();
  std::optional<SpeedModel> model;
  for (const SweepPoint& point : points) {
    if (!model || model->spec != point.model) {
      model.reset();  // free the previous model before building the next
      model = build_speed_model(point.model, options.dtype, options.device, options.seed, options.tokenizer_dir);
      if (progress && !model->lookup_source.empty()) {
        *progress << fmt::format("{}: Engram compression from {}\n", point.model, model->lookup_source);
      }
    }
    int64_t batch = point.batch;
    if (batch == kAutoBatch) {
      const bool nano = options.workload == "nano-vllm";
      MemoryPlanRequest request;
      request.weight_bytes = module_weight_bytes(*model->model);
      request.element_bytes = model->element_bytes;
      request.max_sequence_length =
          nano ? options.nano_vllm.max_input + options.nano_vllm.max_output : point.prompt_tokens + point.gen_tokens;
      request.projected_positions = 1;
      const MemoryBudget budget = memory_budget(options.device, options.memory_fraction, options.memory_budget_bytes);
      request.budget_bytes = budget.bytes;
      request.budget_source = budget.source;
      if (nano) request.max_batch = options.nano_vllm.num_seqs;
      const MemoryPlan plan = plan_memory(model->model->config(), request);
      batch = plan.batch_size;
      plans.push_back({{"model", point.model}, {"plan", plan.to_json()}});
    }
    nlohmann::json row = options.workload == "nano-vllm" ? measure_nano_vllm(options, *model, point, batch)
                                                         : measure_sweep_point(options, *model, point, batch);
    check_row(row);
    if (progress) {
      *progress << fmt::format("{} batch {} prompt {} gen {}: prefill {:.1f} tok/s, decode {} tok/s, output {:.1f} tok/s ({} warm-ups)\n",
                               point.model, batch, row["prompt_tokens"].get<int64_t>(), row["gen_tokens"].get<int64_t>(),
                               row["prefill_tok_s"].get<double>(),
                               row["decode_tok_s"].is_null() ? std::string("n/a") : fmt::format("{:.1f}", row["decode_tok_s"].get<double>()),
                               row["output_tok_s"].get<double>(), row["warmup"].get<int>());
      progress->flush();
    }
    rows.push_back(std::move(row));
    if (options.engram_table != "device" && model->model->config().engram) {
      OffloadConfig config;
      config.tier = parse_table_tier(options.engram_table);
      config.cache_rows = options.engram_cache_rows;
      OffloadWorkload workload;
      workload.batch = batch;
      workload.prompt_tokens = point.prompt_tokens;
      workload.decode_steps = point.gen_tokens - 1;
      workload.repetitions = options.repetitions;
      workload.seed = options.seed + 1;
      workload.token_limit = model->token_limit;
      nlohmann::json entry = measure_offload_entry(model->model, point.model, config, workload, progress);
      offload_runs.push_back(std::move(entry));
    }
  }
  nlohmann::json section = speed_section(rows);
  section["memory_plans"] = plans;
  if (!offload_runs.empty()) section["offload"] = {{"runs", offload_runs}};
  return section;
}

}  // namespace engram::harness::speed
