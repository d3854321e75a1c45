#pragma once
// The comparison behind every `compare` format: per task (and per subtask and group on request) each
// report's primary metric with its 95% CI, and against the first report the delta, the paired test on
// the items both reports scored, the flips and the protocol-fingerprint check; speed rows paired on
// the workload shape, one column per model of each report, with intervals from the raw repetitions
// and the relative change; the offload runs; RULER score by length; each report's caveats.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/report/compare_input.h"
#include "harness/report/paired_stats.h"

namespace engram::report {

enum class CompareDetail { tasks, subtasks };

struct CompareOptions {
  CompareDetail detail = CompareDetail::tasks;
  double alpha = 0.05;  // significance level of the marker, after Holm's correction per column
  BootstrapOptions bootstrap;
};

// The values of one metric on the items two reports share, in the first report's item order.
struct PairedItems {
  std::vector<double> a, b;
  size_t only_in_a = 0, only_in_b = 0;  // ids scored by one report only (or null in the other)
};
// `id_prefixes` restricts the pairing to ids starting with one of "<prefix>/" (a subtask or a
// group's subtasks); empty means every item.
PairedItems pair_items(const ItemScores& a, const ItemScores& b, const std::string& metric,
                       const std::vector<std::string>& id_prefixes = {});

struct AccuracyCell {
  bool present = false;  // the report has this row and metric
  MetricSummary metric;
  // Against the first report (unset in the first column):
  std::optional<double> delta;
  std::optional<std::pair<double, double>> delta_ci;
  std::string delta_ci_method;  // "paired-bootstrap" | "unpaired-stderr" | ""
  std::optional<PairedTest> test;
  std::string no_test_reason;  // why there is no paired test, when there is none
  bool fingerprint_differs = false;
  bool protocol_unchecked = false;  // one side has no fingerprint (a published reference)
  std::optional<double> adjusted_p;  // Holm across the tested rows of this column
  bool significant = false;
};

struct AccuracyRow {
  std::string task;
  std::string scope;  // "task" | "subtask" | "group"
  std::string name;   // the task, or "task/subtask", "task/group"
  std::string metric;
  bool higher_is_better = true;
  std::vector<AccuracyCell> cells;  // one per report
};

// One model of one report: the speed tables' column.
struct SpeedColumn {
  size_t report = 0;
  std::string model;
  std::string label;  // the model; the report's label where two columns share a model
};

struct SpeedCell {
  bool present = false;
  double value = 0;
  std::optional<double> stddev;
  std::optional<Interval> interval;       // 95%, from the raw repetitions
  std::optional<double> relative_change;  // (value - first) / first
};

struct SpeedComparisonRow {
  std::string key;      // SpeedRow::key_text(): the workload shape
  std::vector<std::pair<std::string, std::string>> shape;  // SpeedRow::key
  std::string measure;  // prefill_tok_s | decode_tok_s | output_tok_s
  std::vector<SpeedCell> cells;  // one per speed column
};

struct OffloadPoint {
  size_t report = 0;
  OffloadRun run;
};

// RULER score at one context length: the n-weighted mean of the subtasks named "NAME@LENGTH".
struct RulerPoint {
  size_t report = 0;
  int64_t length = 0;
  double score = 0;
  size_t parts = 0;
};

struct Comparison {
  std::vector<std::string> labels;
  std::vector<std::string> sources;
  std::vector<bool> reference;
  double alpha = 0.05;
  std::vector<AccuracyRow> accuracy;
  std::vector<SpeedColumn> speed_columns;
  std::vector<SpeedComparisonRow> speed;
  std::vector<OffloadPoint> offload;
  std::vector<RulerPoint> ruler;
  std::vector<std::string> notes;
  std::vector<std::vector<std::string>> caveats;  // per report
};

Comparison compare_reports(const std::vector<LoadedReport>& reports, const CompareOptions& options = {});

// "name@4096" -> ("name", 4096); nullopt when the name has no numeric length suffix.
std::optional<std::pair<std::string, int64_t>> split_length_suffix(const std::string& name);

}  // namespace engram::report
