#include "harness/report/compare_intervals.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace engram::report {
namespace {

// Continued fraction of the regularized incomplete beta function (modified Lentz's method).
double incomplete_beta_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300, kEpsilon = 1e-15;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::abs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const double m2 = 2.0 * m;
    for (const double coefficient : {m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
                                     -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))}) {
      d = 1 + coefficient * d;
      if (std::abs(d) < kTiny) d = kTiny;
      c = 1 + coefficient / c;
      if (std::abs(c) < kTiny) c = kTiny;
      d = 1 / d;
      h *= d * c;
    }
    if (std::abs(d * c - 1) < kEpsilon) break;
  }
  return h;
}

// I_x(a, b).
double regularized_incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  // The fraction converges fast below the mean of the beta distribution; use the symmetry above it.
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * incomplete_beta_fraction(a, b, x) / a;
  return 1 - std::exp(log_front) * incomplete_beta_fraction(b, a, 1 - x) / b;
}

// P(|T| <= t) for t >= 0.
double student_t_central_probability(double t, double df) {
  return 1 - regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t));
}

}  // namespace

double student_t_quantile(double confidence, double degrees_of_freedom) {
  if (!(confidence > 0 && confidence < 1)) throw std::invalid_argument("student_t_quantile: confidence must be in (0, 1)");
  if (!(degrees_of_freedom >= 1)) throw std::invalid_argument("student_t_quantile: degrees of freedom must be >= 1");
  double low = 0, high = 1;
  while (student_t_central_probability(high, degrees_of_freedom) < confidence) high *= 2;
  for (int i = 0; i < 200 && high - low > 1e-13 * high; ++i) {
    const double middle = (low + high) / 2;
    (student_t_central_probability(middle, degrees_of_freedom) < confidence ? low : high) = middle;
  }
  return (low + high) / 2;
}

std::optional<Interval> mean_interval(const std::vector<double>& values, double confidence) {
  const size_t n = values.size();
  if (n < 2) return std::nullopt;
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(n);
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double standard_error = std::sqrt(squares / static_cast<double>(n - 1) / static_cast<double>(n));
  const double half_width = student_t_quantile(confidence, static_cast<double>(n - 1)) * standard_error;
  return Interval{mean - half_width, mean + half_width};
}

std::vector<double> repetition_rates(double units, const std::vector<double>& seconds) {
  std::vector<double> out;
  for (double s : seconds) {
    if (s > 0) out.push_back(units / s);
  }
  return out;
}

}  // namespace engram::report
