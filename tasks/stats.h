#pragma once
// Aggregates and standard errors exactly as lm-evaluation-harness reports them
// (lm_eval/api/metrics.py), so that "± x" means the same number in both tools:
//  - mean metrics: stderr = sample standard deviation (ddof = 1) / sqrt(n);
//  - size-weighted groups: the example-weighted mean of subtask means, with lm-eval's pooled stderr
//    sqrt( sum_i (n_i - 1) * n_i * se_i^2 / (sum_i n_i - k) / sum_i n_i );
//  - metrics without a closed form: a seeded bootstrap (sample std of resampled statistics).
// Undefined values (n < 2 for a stderr, n = 0 for a mean) are NaN; reports write them as null.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace engram::tasks {

double mean(const std::vector<double>& xs);
// Sample standard deviation with n - 1 in the denominator (Python's statistics.stdev).
double sample_stddev(const std::vector<double>& xs);
// lm-eval's mean_stderr: sample_stddev / sqrt(n). For 0/1 scores: sqrt(p (1 - p) / (n - 1)).
double mean_stderr(const std::vector<double>& xs);

struct SubtaskSummary {
  double value = 0;   // the subtask's metric (a mean)
  double stderr = 0;  // its standard error
  size_t n = 0;       // its sample count
};
// Example-weighted (micro) mean of subtask values: sum n_i v_i / sum n_i.
double size_weighted_mean(const std::vector<SubtaskSummary>& parts);
// Unweighted (macro) mean of subtask values.
double macro_mean(const std::vector<SubtaskSummary>& parts);
// lm-eval's pooled_sample_stderr over subtasks (NaN when sum n_i - k <= 0 or a part's stderr is NaN).
double pooled_stderr(const std::vector<SubtaskSummary>& parts);

// Bootstrap standard error of `statistic` over `xs`: `iterations` resamples with replacement
// (std::mt19937_64 seeded with `seed`, so runs are reproducible), reported as the sample standard
// deviation (ddof = 1) of the resampled statistics, as lm-eval's bootstrap_stderr does. lm-eval uses
// Python's `random`, so individual resamples differ from it; the estimate converges to the same
// value.
double bootstrap_stderr(const std::vector<double>& xs, const std::function<double(const std::vector<double>&)>& statistic,
                        size_t iterations = 100000, uint64_t seed = 1234);

}  // namespace engram::tasks
