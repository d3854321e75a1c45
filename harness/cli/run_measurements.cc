#include "harness/cli/run_measurements.h"

#include <iostream>

#include "harness/speed/sweep_runner.h"

namespace engram::cli {

void measure_for_main_job(const std::string& model, const std::string& suite, uint64_t seed,
                          report::ReportExtras& extras, bool quiet) {
  harness::speed::SweepOptions sweep;
  sweep.models = {model};
  sweep.seed = seed;
  if (suite == "full") {
    sweep.batches = {1, 8};
    sweep.prompt_tokens = {128, 512};
    sweep.gen_tokens = {32, 128};
  } else {
    sweep.batches = {1, 4};
    sweep.prompt_tokens = {128};
    sweep.gen_tokens = {16};
    sweep.repetitions = 3;
    sweep.warmup.max_runs = 4;
  }
  extras.speed = harness::speed::run_sweep(sweep, quiet ? nullptr : &std::cerr);
}

}  // namespace engram::cli
