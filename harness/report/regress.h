#pragma once
// `engram-bench regress`: the CI gate. It fails on an accuracy drop that a paired test finds
// significant after Holm's correction across the tested tasks (family-wise error at alpha), on a
// speed row whose throughput falls by more than a relative tolerance, and on anything the baseline
// has that the current report lacks (a task, its primary metric, its per-item values, a speed row or
// measure) unless allow_missing: a gate that passes when rows vanish passes by accident. Without
// per-item values on the baseline's side (a paper: reference) no paired test is possible, and the
// baseline's point estimate is checked against the current report's 95% interval instead. Tasks
// whose protocol fingerprints differ are reported and not tested (or fail with strict_protocol).

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "harness/report/compare_input.h"
#include "harness/report/paired_stats.h"

namespace engram::report {

struct RegressOptions {
  double alpha = 0.05;
  double speed_tolerance = 0.05;  // a relative drop larger than this fails
  bool strict_protocol = false;
  bool allow_missing = false;  // report what the current report lacks, but do not fail on it
  BootstrapOptions bootstrap;
};

struct RegressFinding {
  std::string kind;  // "accuracy" | "speed"
  std::string row;   // the task, or the speed row's key
  std::string metric;
  std::optional<double> baseline, current, delta;  // delta: current - baseline (relative for speed)
  std::optional<double> p_value, p_holm;
  std::string test;  // "mcnemar-exact" | "paired-bootstrap" | "reference-interval" | "relative-tolerance" | ""
  std::optional<Interval> current_interval;  // the current's 95% CI, for "reference-interval"
  std::optional<FlipCounts> flips;
  size_t pairs = 0;
  // "regression" | "ok" | "improvement" | "missing" | "not tested" | "protocol mismatch"
  std::string verdict;
  std::string reason;
  bool fails = false;
};

struct RegressResult {
  std::vector<RegressFinding> findings;
  std::string correction = "holm";
  double alpha = 0.05;
  double speed_tolerance = 0.05;
  bool allow_missing = false;
  bool failed() const;
  size_t count(const std::string& verdict) const;
};

RegressResult regress(const LoadedReport& baseline, const LoadedReport& current, const RegressOptions& options = {});

std::string render_regress_markdown(const RegressResult& result, const std::string& baseline_label,
                                    const std::string& current_label);
nlohmann::json regress_json(const RegressResult& result, const std::string& baseline_source,
                            const std::string& current_source);

}  // namespace engram::report
