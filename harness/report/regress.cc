#include "harness/report/regress.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/report/compare_format.h"
#include "harness/report/compare_table.h"

namespace engram::report {
namespace {

std::string format_number(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// Something the baseline has and the current report lacks: it fails the gate unless allowed, since a
// dropped task or row would otherwise pass unseen.
void mark_missing(RegressFinding& f, const std::string& what, const RegressOptions& options) {
  f.verdict = "missing";
  f.test.clear();
  f.fails = !options.allow_missing;
  f.reason = what + (options.allow_missing ? " (allowed by --allow-missing)" : "; pass --allow-missing to accept");
}

// Without per-item values no paired test is possible: the baseline's point estimate is checked
// against the current report's 95% interval.
void judge_against_interval(RegressFinding& f, const MetricSummary& current, bool higher_is_better, const std::string& why) {
  const std::string no_test = "no paired test possible (" + why + ")";
  if (!f.baseline || !current.ci95) {
    f.reason = no_test + ", and the current report gives no 95% interval to check the baseline's value against";
    return;
  }
  f.test = "reference-interval";
  f.current_interval = current.ci95;
  const auto [low, high] = *current.ci95;
  const std::string value = "the baseline's " + format_number("%.4g", *f.baseline);
  const std::string interval = "the current's 95% CI [" + format_number("%.4g", low) + ", " + format_number("%.4g", high) + "]";
  const bool above = *f.baseline > high, below = *f.baseline < low;
  if (above || below) {
    const bool worse = higher_is_better ? above : below;
    f.verdict = worse ? "regression" : "improvement";
    f.fails = worse;
    f.reason = no_test + ": " + value + " lies " + (above ? "above " : "below ") + interval + ", so the current is " +
               (worse ? "worse" : "better");
  } else {
    f.verdict = "ok";
    f.reason = no_test + ": " + value + " lies inside " + interval;
  }
}

bool has_item_values(const TaskScores& task, const std::string& metric) {
  return task.items && task.items->metrics.count(metric);
}

RegressFinding accuracy_finding(const LoadedReport& baseline, const TaskScores& base, const LoadedReport& current,
                                const RegressOptions& options) {
  RegressFinding f;
  f.kind = "accuracy";
  f.row = base.name;
  f.metric = base.primary_metric;
  f.verdict = "not tested";
  const TaskScores* cur = current.find_task(base.name);
  if (base.metrics.count(f.metric)) f.baseline = base.metrics.at(f.metric).value;
  if (!cur) {
    mark_missing(f, "task missing from the current report", options);
    return f;
  }
  if (f.metric.empty() || !base.metrics.count(f.metric)) {
    f.reason = "the baseline names no primary metric";
    return f;
  }
  const MetricSummary& base_metric = base.metrics.at(f.metric);
  if (!cur->metrics.count(f.metric)) {
    mark_missing(f, "primary metric " + f.metric + " missing from the current report's task", options);
    return f;
  }
  f.current = cur->metrics.at(f.metric).value;
  if (f.baseline && f.current) f.delta = *f.current - *f.baseline;
  if (base.fingerprint && cur->fingerprint && *base.fingerprint != *cur->fingerprint) {
    f.verdict = "protocol mismatch";
    f.reason = "protocol fingerprints differ (" + base.fingerprint->substr(0, 12) + " vs " + cur->fingerprint->substr(0, 12) +
               "): the numbers do not measure the same thing, so they are not tested";
    f.fails = options.strict_protocol;
    return f;
  }
  if (baseline.reference || current.reference || !has_item_values(base, f.metric)) {
    const std::string why = baseline.reference || current.reference ? "a published reference has no per-item values"
                                                                     : "the baseline has no per-item values of " + f.metric;
    judge_against_interval(f, cur->metrics.at(f.metric), base_metric.higher_is_better, why);
    return f;
  }
  if (!has_item_values(*cur, f.metric)) {
    mark_missing(f, "per-item values of " + f.metric + " missing from the current report (the baseline has them)", options);
    return f;
  }
  const PairedItems paired = pair_items(*base.items, *cur->items, f.metric);
  if (paired.a.empty()) {
    mark_missing(f, "none of the baseline's items scored in the current report", options);
    return f;
  }
  const PairedTest test = paired_test(paired.a, paired.b, options.bootstrap);
  f.test = test.test;
  f.p_value = test.p_value;
  f.flips = test.flips;
  f.pairs = test.pairs;
  // The paired difference, on the shared items only, is what the test judged.
  f.delta = test.mean_difference;
  return f;
}

void judge_accuracy(std::vector<RegressFinding>& findings, const std::vector<bool>& higher_is_better, const RegressOptions& options) {
  std::vector<size_t> tested;
  std::vector<double> p;
  for (size_t i = 0; i < findings.size(); ++i) {
    if (findings[i].p_value) {
      tested.push_back(i);
      p.push_back(*findings[i].p_value);
    }
  }
  const std::vector<double> adjusted = holm_adjust(p);
  for (size_t k = 0; k < tested.size(); ++k) {
    RegressFinding& f = findings[tested[k]];
    f.p_holm = adjusted[k];
    const bool worse = higher_is_better[tested[k]] ? *f.delta < 0 : *f.delta > 0;
    const bool significant = adjusted[k] < options.alpha;
    const std::string flips =
        f.flips ? ", flips 1->0: " + std::to_string(f.flips->one_to_zero) + ", 0->1: " + std::to_string(f.flips->zero_to_one) : "";
    const std::string stats = f.test + " p = " + format_number("%.4g", *f.p_value) + ", Holm p = " +
                              format_number("%.4g", adjusted[k]) + " on " + std::to_string(f.pairs) + " paired items" + flips;
    if (significant && worse) {
      f.verdict = "regression";
      f.fails = true;
      f.reason = "significant drop: " + stats;
    } else if (significant) {
      f.verdict = "improvement";
      f.reason = "significant gain: " + stats;
    } else {
      f.verdict = "ok";
      f.reason = "not significant at alpha " + format_number("%g", options.alpha) + ": " + stats;
    }
  }
}

size_t distinct_models(const LoadedReport& report) {
  std::set<std::string> models;
  for (const SpeedRow& row : report.speed) models.insert(row.model);
  return models.size();
}

// Rows pair on the workload shape; on the model too when a report measured several models.
const SpeedRow* matching_row(const SpeedRow& base, const LoadedReport& current, bool on_model) {
  for (const SpeedRow& row : current.speed) {
    if (row.key == base.key && (!on_model || row.model == base.model)) return &row;
  }
  return nullptr;
}

void judge_speed(RegressFinding& f, double base, double current, const RegressOptions& options) {
  f.current = current;
  if (base <= 0) {
    f.verdict = "not tested";
    f.test.clear();
    f.reason = "baseline throughput is not positive";
    return;
  }
  f.delta = (current - base) / base;
  const std::string change = format_number("%+.2f%%", 100.0 * *f.delta);
  const std::string tolerance = format_number("%.2f%%", 100.0 * options.speed_tolerance);
  if (*f.delta < -options.speed_tolerance) {
    f.verdict = "regression";
    f.fails = true;
    f.reason = "throughput changed " + change + ", beyond the " + tolerance + " tolerance";
  } else {
    f.verdict = *f.delta > options.speed_tolerance ? "improvement" : "ok";
    f.reason = "throughput changed " + change + " (tolerance " + tolerance + ")";
  }
}

void add_speed_findings(const LoadedReport& baseline, const LoadedReport& current, const RegressOptions& options,
                        std::vector<RegressFinding>& findings) {
  const bool on_model = distinct_models(baseline) > 1 || distinct_models(current) > 1;
  for (const SpeedRow& base : baseline.speed) {
    const SpeedRow* cur = matching_row(base, current, on_model);
    for (const auto& [measure, value] : base.throughput) {
      RegressFinding f;
      f.kind = "speed";
      f.row = (on_model ? "model=" + base.model + " " : "") + base.key_text();
      f.metric = measure;
      f.baseline = value;
      f.test = "relative-tolerance";
      if (baseline.reference) {
        f.verdict = "not tested";
        f.test.clear();
        f.reason = "a published throughput (one number, other hardware, no repetitions) is not gated";
      } else if (!cur) {
        mark_missing(f, "no current speed row with this workload shape", options);
      } else if (!cur->throughput.count(measure)) {
        mark_missing(f, "the current row has no " + measure, options);
      } else {
        judge_speed(f, value, cur->throughput.at(measure), options);
      }
      findings.push_back(f);
    }
  }
}

std::string optional_text(const std::optional<double>& v, const char* format) { return v ? format_number(format, *v) : "-"; }

nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

size_t RegressResult::count(const std::string& verdict) const {
  size_t n = 0;
  for (const RegressFinding& f : findings) n += f.verdict == verdict;
  return n;
}

bool RegressResult::failed() const {
  for (const RegressFinding& f : findings) {
    if (f.fails) return true;
  }
  return false;
}

RegressResult regress(const LoadedReport& baseline, const LoadedReport& current, const RegressOptions& options) {
  RegressResult result;
  result.alpha = options.alpha;
  result.speed_tolerance = options.speed_tolerance;
  result.allow_missing = options.allow_missing;
  std::vector<bool> higher_is_better;
  for (const TaskScores& task : baseline.tasks) {
    result.findings.push_back(accuracy_finding(baseline, task, current, options));
    const auto metric = task.metrics.find(task.primary_metric);
    higher_is_better.push_back(metric == task.metrics.end() || metric->second.higher_is_better);
  }
  judge_accuracy(result.findings, higher_is_better, options);
  add_speed_findings(baseline, current, options, result.findings);
  return result;
}

std::string render_regress_markdown(const RegressResult& result, const std::string& baseline_label,
                                    const std::string& current_label) {
  std::ostringstream out;
  size_t failing = 0;
  for (const RegressFinding& f : result.findings) failing += f.fails;
  out << (result.failed() ? "REGRESSION" : "OK") << ": " << current_label << " against " << baseline_label << ", "
      << failing << " failing row(s) of " << result.findings.size() << ". Accuracy: paired test (exact McNemar for 0/1 "
      << "metrics, paired bootstrap otherwise), Holm-corrected across the tested tasks at alpha "
      << format_number("%g", result.alpha) << "; without per-item values on the baseline's side (a published "
      << "reference) no paired test is possible and the baseline's value is checked against the current's 95% CI; "
      << "speed: relative throughput drop beyond " << format_number("%g", 100.0 * result.speed_tolerance) << "%.\n\n";
  if (const size_t missing = result.count("missing")) {
    out << missing << " row(s) of the baseline are missing from the current report"
        << (result.allow_missing ? " (allowed by --allow-missing):" : " and fail the gate (--allow-missing accepts them):");
    for (const RegressFinding& f : result.findings) {
      if (f.verdict == "missing") out << "\n- " << f.kind << " " << f.row << " " << f.metric << ": " << f.reason;
    }
    out << "\n\n";
  }
  out << "| Kind | Row | Metric | Baseline | Current | Δ | p | p (Holm) | Test | Verdict | Reason |\n"
      << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const RegressFinding& f : result.findings) {
    const bool speed = f.kind == "speed";
    const std::string delta = speed ? (f.delta ? format_number("%+.2f%%", 100.0 * *f.delta) : "-")
                                    : optional_text(f.delta, "%+.4f");
    out << "| " << f.kind << " | " << escape_markdown_cell(f.row) << " | " << escape_markdown_cell(f.metric) << " | "
        << optional_text(f.baseline, speed ? "%.2f" : "%.4f") << " | " << optional_text(f.current, speed ? "%.2f" : "%.4f")
        << " | " << delta << " | " << optional_text(f.p_value, "%.4g") << " | " << optional_text(f.p_holm, "%.4g") << " | "
        << (f.test.empty() ? "-" : f.test) << " | " << (f.fails ? "**" + f.verdict + "**" : f.verdict) << " | "
        << escape_markdown_cell(f.reason) << " |\n";
  }
  return out.str();
}

nlohmann::json regress_json(const RegressResult& result, const std::string& baseline_source, const std::string& current_source) {
  nlohmann::json rows = nlohmann::json::array();
  for (const RegressFinding& f : result.findings) {
    nlohmann::json row = {{"kind", f.kind},       {"row", f.row},
                          {"metric", f.metric},   {"baseline", optional_json(f.baseline)},
                          {"current", optional_json(f.current)}, {"delta", optional_json(f.delta)},
                          {"p_value", optional_json(f.p_value)}, {"p_holm", optional_json(f.p_holm)},
                          {"test", f.test},       {"pairs", f.pairs},
                          {"verdict", f.verdict}, {"fails", f.fails},
                          {"reason", f.reason}};
    if (f.current_interval) row["current_ci95"] = {f.current_interval->first, f.current_interval->second};
    if (f.flips) row["flips"] = {{"zero_to_one", f.flips->zero_to_one}, {"one_to_zero", f.flips->one_to_zero}};
    rows.push_back(row);
  }
  return {{"kind", "engram-bench-regress"},
          {"baseline", baseline_source},
          {"current", current_source},
          {"failed", result.failed()},
          {"correction", result.correction},
          {"alpha", result.alpha},
          {"speed_tolerance", result.speed_tolerance},
          {"allow_missing", result.allow_missing},
          {"missing", result.count("missing")},
          {"rows", rows}};
}

}  // namespace engram::report
