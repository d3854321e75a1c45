#pragma once
// `engram-bench regress`: the CI gate. It fails on an accuracy drop that a paired test finds
// significant after Holm's correction across the tested tasks (family-wise error at alpha), or on a
// speed row whose throughput falls by more than a relative tolerance. Tasks whose protocol
// fingerprints differ are reported and not tested (or fail the gate with strict_protocol).

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
  BootstrapOptions bootstrap;
};

struct RegressFinding {
  std::string kind;  // "accuracy" | "speed"
  std::string row;   // the task, or the speed row's key
  std::string metric;
  std::optional<double> baseline, current, delta;  // delta: current - baseline (relative for speed)
  std::optional<double> p_value, p_holm;
  std::string test;     // "mcnemar-exact" | "paired-bootstrap" | "relative-tolerance" | ""
  std::optional<FlipCounts> flips;
  size_t pairs = 0;
  std::string verdict;  // "regression" | "ok" | "improvement" | "not tested" | "protocol mismatch"
  std::string reason;
  bool fails = false;
};

struct RegressResult {
  std::vector<RegressFinding> findings;
  std::string correction = "holm";
  double alpha = 0.05;
  double speed_tolerance = 0.05;
  bool failed() const;
};

RegressResult regress(const LoadedReport& baseline, const LoadedReport& current, const RegressOptions& options = {});

std::string render_regress_markdown(const RegressResult& result, const std::string& baseline_label,
                                    const std::string& current_label);
nlohmann::json regress_json(const RegressResult& result, const std::string& baseline_source,
                            const std::string& current_source);

}  // namespace engram::report
