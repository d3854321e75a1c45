#include "harness/report/paired_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace engram::report {
namespace {

double log_binomial_pmf_half(int64_t n, int64_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1) - static_cast<double>(n) * std::log(2.0);
}

// P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n neither overflows nor underflows.
double binomial_half_cdf(int64_t n, int64_t k) {
  if (k >= n) return 1.0;
  double max_log = -INFINITY;
  std::vector<double> logs;
  logs.reserve(static_cast<size_t>(k + 1));
  for (int64_t i = 0; i <= k; ++i) {
    logs.push_back(log_binomial_pmf_half(n, i));
    max_log = std::max(max_log, logs.back());
  }
  double sum = 0;
  for (double l : logs) sum += std::exp(l - max_log);
  return std::min(1.0, std::exp(max_log) * sum);
}

// Uniform in [0, bound) without modulo bias, from a generator whose output is fixed by the C++
// standard (std::mt19937_64), so a seed gives the same resamples with every standard library.
uint64_t bounded(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % bound;
}

double percentile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(position));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(lower);
  return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
}

double mean_of(const std::vector<double>& xs) {
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

}  // namespace

double mcnemar_exact_p(int64_t b, int64_t c) {
  if (b < 0 || c < 0) throw std::invalid_argument("mcnemar_exact_p: negative discordant count");
  const int64_t n = b + c;
  if (n == 0) return 1.0;
  return std::min(1.0, 2.0 * binomial_half_cdf(n, std::min(b, c)));
}

double mcnemar_mid_p(int64_t b, int64_t c) {
  if (b < 0 || c < 0) throw std::invalid_argument("mcnemar_mid_p: negative discordant count");
  const int64_t n = b + c;
  if (n == 0) return 1.0;
  const int64_t k = std::min(b, c);
  return std::min(1.0, 2.0 * binomial_half_cdf(n, k) - std::exp(log_binomial_pmf_half(n, k)));
}

BootstrapResult paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                 const BootstrapOptions& options) {
  if (a.size() != b.size()) throw std::invalid_argument("paired_bootstrap: the two runs have different item counts");
  if (a.empty()) throw std::invalid_argument("paired_bootstrap: no pairs");
  if (options.resamples < 1) throw std::invalid_argument("paired_bootstrap: resamples must be >= 1");
  std::vector<double> differences(a.size());
  for (size_t i = 0; i < a.size(); ++i) differences[i] = b[i] - a[i];
  BootstrapResult out;
  out.mean_difference = mean_of(differences);

  std::mt19937_64 rng(options.seed);
  std::vector<double> resampled_means(static_cast<size_t>(options.resamples));
  const uint64_t n = differences.size();
  for (double& m : resampled_means) {
    double sum = 0;
    for (uint64_t i = 0; i < n; ++i) sum += differences[bounded(rng, n)];
    m = sum / static_cast<double>(n);
  }
  // Tolerance so that a resample equal to the observed mean up to rounding counts as "as extreme".
  const double observed = std::abs(out.mean_difference);
  const double tolerance = 1e-12 * std::max(1.0, observed);
  int64_t extreme = 0;
  for (double m : resampled_means) {
    if (std::abs(m - out.mean_difference) >= observed - tolerance) ++extreme;
  }
  out.p_value = observed == 0 ? 1.0 : static_cast<double>(extreme + 1) / static_cast<double>(options.resamples + 1);
  std::sort(resampled_means.begin(), resampled_means.end());
  const double tail = (1.0 - options.confidence) / 2.0;
  out.ci_low = percentile(resampled_means, tail);
  out.ci_high = percentile(resampled_means, 1.0 - tail);
  return out;
}

bool all_binary(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return v == 0.0 || v == 1.0; });
}

FlipCounts count_flips(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("count_flips: the two runs have different item counts");
  FlipCounts flips;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool right_a = a[i] == 1.0, right_b = b[i] == 1.0;
    if (right_a && right_b) ++flips.both_one;
    else if (!right_a && !right_b) ++flips.both_zero;
    else if (right_b) ++flips.zero_to_one;
    else ++flips.one_to_zero;
  }
  return flips;
}

PairedTest paired_test(const std::vector<double>& a, const std::vector<double>& b, const BootstrapOptions& options) {
  const BootstrapResult bootstrap = paired_bootstrap(a, b, options);
  PairedTest out;
  out.pairs = a.size();
  out.mean_a = mean_of(a);
  out.mean_b = mean_of(b);
  out.mean_difference = bootstrap.mean_difference;
  out.ci_low = bootstrap.ci_low;
  out.ci_high = bootstrap.ci_high;
  if (all_binary(a) && all_binary(b)) {
    out.test = "mcnemar-exact";
    out.flips = count_flips(a, b);
    out.p_value = mcnemar_exact_p(out.flips->one_to_zero, out.flips->zero_to_one);
  } else {
    out.test = "paired-bootstrap";
    out.p_value = bootstrap.p_value;
  }
  return out;
}

std::vector<double> holm_adjust(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p_values[x] < p_values[y]; });
  std::vector<double> adjusted(m);
  double running_max = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const double scaled = std::min(1.0, static_cast<double>(m - rank) * p_values[order[rank]]);
    running_max = std::max(running_max, scaled);
    adjusted[order[rank]] = running_max;
  }
  return adjusted;
}

}  // namespace engram::report
