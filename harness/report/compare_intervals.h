#pragma once
// 95% intervals of a mean from a handful of raw repetitions (speed rows, offload runs): Student's t,
// since five CPU timings are too few for a normal or bootstrap interval. compare's tables and charts
// show these instead of bare point estimates, so noise on a shared CPU is not read as an effect.

#include <optional>
#include <utility>
#include <vector>

namespace engram::report {

using Interval = std::pair<double, double>;

// The two-sided `confidence` quantile of Student's t with `degrees_of_freedom` (>= 1): the t with
// P(|T| <= t) = confidence. Throws std::invalid_argument out of range.
double student_t_quantile(double confidence, double degrees_of_freedom);

// mean ± t * s / sqrt(n) over the values; nullopt below two values.
std::optional<Interval> mean_interval(const std::vector<double>& values, double confidence = 0.95);

// Per-repetition rates units / seconds[i] (repetitions with seconds <= 0 are left out).
std::vector<double> repetition_rates(double units, const std::vector<double>& seconds);

}  // namespace engram::report
