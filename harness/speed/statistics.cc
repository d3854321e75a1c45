#include "harness/speed/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace engram::harness::speed {

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double sample_stddev(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double m = mean(values);
  double sum = 0;
  for (double v : values) sum += (v - m) * (v - m);
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

double coefficient_of_variation(const std::vector<double>& values) {
  const double m = mean(values);
  return m == 0 ? 0 : sample_stddev(values) / m;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) throw std::invalid_argument("percentile of no values");
  if (!(q >= 0 && q <= 100)) throw std::invalid_argument("percentile must be in [0, 100]");
  std::sort(values.begin(), values.end());
  const double rank = q / 100.0 * static_cast<double>(values.size() - 1);
  const std::size_t below = static_cast<std::size_t>(std::floor(rank));
  const std::size_t above = std::min(values.size() - 1, below + 1);
  const double weight = rank - static_cast<double>(below);
  return values[below] + (values[above] - values[below]) * weight;
}

RateSummary rate_summary(double units_per_sample, const std::vector<double>& seconds) {
  std::vector<double> rates;
  for (double s : seconds) {
    if (s > 0) rates.push_back(units_per_sample / s);
  }
  return {mean(rates), sample_stddev(rates)};
}

}  // namespace engram::harness::speed
