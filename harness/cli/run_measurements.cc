#include "harness/cli/run_measurements.h"

#include <iostream>

#include "harness/engram_offload.h"
#include "harness/speed/speed_model.h"
#include "harness/speed/sweep_runner.h"

namespace engram::cli {
namespace {

// Host and disk tables against device ones, interleaved, on one small batch; the disk tier with a
// hot-row cache too, so the report shows what the cache buys.
nlohmann::json measure_offload_tiers(const std::string& model, const std::string& suite, uint64_t seed, bool quiet) {
  harness::speed::SpeedModel speed_model = harness::speed::build_speed_model(model, "float32", "cpu", seed, std::nullopt);
  if (!speed_model.model->config().engram) return nullptr;
  harness::OffloadWorkload workload;
  workload.batch = 4;
  workload.prompt_tokens = suite == "full" ? 512 : 128;
  workload.decode_steps = suite == "full" ? 64 : 16;
  workload.repetitions = suite == "full" ? 5 : 3;
  workload.seed = seed + 1;
  workload.token_limit = speed_model.token_limit;
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& [tier, cache_rows] : {std::pair{TableTier::kHost, int64_t{0}}, std::pair{TableTier::kDisk, int64_t{0}},
                                         std::pair{TableTier::kDisk, int64_t{4096}}}) {
    harness::OffloadConfig config;
    config.tier = tier;
    config.cache_rows = cache_rows;
    runs.push_back(harness::measure_offload_entry(speed_model.model, model, config, workload, quiet ? nullptr : &std::cerr));
  }
  return {{"runs", runs}};
}

}  // namespace

void measure_for_main_job(const std::string& model, const std::string& suite, uint64_t seed,
                          report::ReportExtras& extras, bool quiet) {
  harness::speed::SweepOptions sweep;
  sweep.models = {model};
  sweep.seed = seed;
  if (suite == "full") {
    sweep.batches = {harness::BatchSize::fixed(1), harness::BatchSize::fixed(8)};
    sweep.prompt_tokens = {128, 512};
    sweep.gen_tokens = {32, 128};
  } else {
    sweep.batches = {harness::BatchSize::fixed(1), harness::BatchSize::fixed(4)};
    sweep.prompt_tokens = {128};
    sweep.gen_tokens = {16};
    sweep.repetitions = 3;
    sweep.warmup.max_runs = 4;
  }
  extras.speed = harness::speed::run_sweep(sweep, quiet ? nullptr : &std::cerr);
  extras.offload = measure_offload_tiers(model, suite, seed, quiet);
}

}  // namespace engram::cli
