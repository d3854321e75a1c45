#pragma once
// Warm-up until the run-to-run variation settles: caches, allocator pools, thread pools and CPU
// frequency take a few runs to reach their steady state, and llama-bench's numbers were wildly noisy
// without warm-ups (llama.cpp PR #21282). Runs repeat until the coefficient of variation of the last
// `window` run times falls under `cv_threshold`, or `max_runs` is reached (then `settled` is false
// and the report says so). No LibTorch.

#include <functional>
#include <vector>

namespace engram::harness::speed {

struct WarmupPolicy {
  int min_runs = 2;
  int window = 3;
  double cv_threshold = 0.05;
  int max_runs = 10;
};

struct WarmupResult {
  int runs = 0;
  bool settled = false;
  double last_cv = 0;            // of the last `window` runs (0 when fewer ran)
  std::vector<double> seconds;   // every warm-up run's time
};

// run_once performs one run and returns its duration in seconds. max_runs wins over min_runs.
// Throws std::invalid_argument on a policy with a negative count, window < 2 or a negative threshold.
WarmupResult warm_up(const std::function<double()>& run_once, const WarmupPolicy& policy);

}  // namespace engram::harness::speed
