#include "tasks/stats.h"

#include <cmath>
#include <limits>
#include <random>

namespace engram::tasks {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double mean(const std::vector<double>& xs) {
  if (xs.empty()) return kNaN;
  double sum = 0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

double sample_stddev(const std::vector<double>& xs) {
  if (xs.size() < 2) return kNaN;
  const double mu = mean(xs);
  double ss = 0;
  for (double x : xs) ss += (x - mu) * (x - mu);
  return std::sqrt(ss / static_cast<double>(xs.size() - 1));
}

double mean_stderr(const std::vector<double>& xs) {
  if (xs.size() < 2) return kNaN;
  return sample_stddev(xs) / std::sqrt(static_cast<double>(xs.size()));
}

double size_weighted_mean(const std::vector<SubtaskSummary>& parts) {
  double weighted = 0;
  size_t total = 0;
  for (const auto& p : parts) {
    weighted += p.value * static_cast<double>(p.n);
    total += p.n;
  }
  return total == 0 ? kNaN : weighted / static_cast<double>(total);
}

double macro_mean(const std::vector<SubtaskSummary>& parts) {
  if (parts.empty()) return kNaN;
  double sum = 0;
  for (const auto& p : parts) sum += p.value;
  return sum / static_cast<double>(parts.size());
}

double pooled_stderr(const std::vector<SubtaskSummary>& parts) {
  double numerator = 0;
  double total = 0;
  for (const auto& p : parts) {
    const double n = static_cast<double>(p.n);
    // A one-sample part has no stderr of its own but contributes (n - 1) = 0 anyway.
    if (p.n >= 2) numerator += (n - 1) * p.stderr * p.stderr * n;
    total += n;
  }
  const double dof = total - static_cast<double>(parts.size());
  if (parts.empty() || dof <= 0 || std::isnan(numerator)) return kNaN;
  return std::sqrt(numerator / dof / total);
}

double bootstrap_stderr(const std::vector<double>& xs, const std::function<double(const std::vector<double>&)>& statistic,
                        size_t iterations, uint64_t seed) {
  if (xs.empty() || iterations < 2) return kNaN;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, xs.size() - 1);
  std::vector<double> sample(xs.size());
  std::vector<double> stats;
  stats.reserve(iterations);
  for (size_t it = 0; it < iterations; ++it) {
    for (auto& s : sample) s = xs[pick(rng)];
    stats.push_back(statistic(sample));
  }
  return sample_stddev(stats);
}

}  // namespace engram::tasks
