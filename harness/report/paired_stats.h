#pragma once
// Paired significance tests for two runs scored on the same items: exact McNemar for 0/1 metrics
// (the discordant pairs are Binomial(b + c, 1/2) under the null) and a seeded paired bootstrap
// otherwise. Paired tests are used because an unpaired z-test on paired data throws away the
// correlation between the runs and misses real differences (peers.md, lm-eval #3831).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace engram::report {

// How the pairs moved between run A and run B (0/1 metrics only).
struct FlipCounts {
  int64_t zero_to_one = 0;  // wrong in A, right in B
  int64_t one_to_zero = 0;  // right in A, wrong in B
  int64_t both_one = 0;
  int64_t both_zero = 0;
};

// Two-sided exact McNemar p-value: 2 * P(X <= min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1.
// b = c = 0 gives 1.
double mcnemar_exact_p(int64_t b, int64_t c);
// The mid-p variant (less conservative): the exact p minus P(X = min(b, c)), capped at 1.
double mcnemar_mid_p(int64_t b, int64_t c);

struct BootstrapOptions {
  int resamples = 10000;
  uint64_t seed = 0;
  double confidence = 0.95;
};

struct BootstrapResult {
  double mean_difference = 0;  // mean(b - a)
  double ci_low = 0, ci_high = 0;  // percentile interval of the resampled mean differences
  // Two-sided: the share of resampled mean differences, re-centred on zero (the null), at least as
  // far from zero as the observed one; (count + 1) / (resamples + 1) so it is never exactly 0.
  double p_value = 1;
};

// `a` and `b` are aligned (a[i] and b[i] are the same item); both must be non-empty and equal in size.
BootstrapResult paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                 const BootstrapOptions& options = {});

bool all_binary(const std::vector<double>& values);
FlipCounts count_flips(const std::vector<double>& a, const std::vector<double>& b);

// The test compare and regress run on one row: McNemar when both sides are 0/1, the bootstrap
// otherwise. The bootstrap interval of the mean difference is reported in both cases (for the
// charts' whiskers).
struct PairedTest {
  std::string test;  // "mcnemar-exact" | "paired-bootstrap"
  size_t pairs = 0;
  double mean_a = 0, mean_b = 0, mean_difference = 0;
  double p_value = 1;
  double ci_low = 0, ci_high = 0;
  std::optional<FlipCounts> flips;  // set for 0/1 metrics
};

PairedTest paired_test(const std::vector<double>& a, const std::vector<double>& b, const BootstrapOptions& options = {});

// Holm's step-down adjustment of a family of p-values (returned in the input order), which controls
// the family-wise error rate like Bonferroni but rejects more.
std::vector<double> holm_adjust(const std::vector<double>& p_values);

}  // namespace engram::report
