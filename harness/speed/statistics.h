#pragma once
// Summary statistics of timing samples: mean, sample standard deviation, coefficient of variation and
// percentiles (linear interpolation between order statistics, numpy's default). No LibTorch.

#include <vector>

namespace engram::harness::speed {

double mean(const std::vector<double>& values);             // 0 for no values
double sample_stddev(const std::vector<double>& values);    // n - 1 in the denominator; 0 below two values
double coefficient_of_variation(const std::vector<double>& values);  // stddev / mean; 0 when the mean is 0
// q in [0, 100]; throws std::invalid_argument on no values or q out of range.
double percentile(std::vector<double> values, double q);

// Rates from per-repetition durations: units / seconds for each sample, then their mean and stddev
// (as llama-bench reports t/s: the mean of per-run rates, not units over the summed time).
struct RateSummary {
  double mean = 0;
  double stddev = 0;
};
RateSummary rate_summary(double units_per_sample, const std::vector<double>& seconds);

}  // namespace engram::harness::speed
