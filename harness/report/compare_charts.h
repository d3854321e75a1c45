#pragma once
// The SVG charts of the HTML page, drawn here (no plotting library): a dot-and-whisker chart of
// per-task deltas against the first report, and line charts (RULER score against context length,
// throughput and offload overhead against Engram table size).

#include <string>
#include <utility>
#include <vector>

#include "harness/report/compare_table.h"

namespace engram::report {

struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in x order
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;  // context lengths and table sizes span orders of magnitude
  std::vector<ChartSeries> series;
};

// An <svg> element; a chart without points says so in place of the plot.
std::string svg_line_chart(const LineChart& chart);
// Deltas (in the rows' display unit) with their CI whiskers, for report `column` against report 0,
// over the task-level rows.
std::string svg_delta_chart(const Comparison& comparison, size_t column);

// The charts the page draws from a comparison.
LineChart ruler_chart(const Comparison& comparison);
LineChart offload_overhead_chart(const Comparison& comparison);
LineChart offload_throughput_chart(const Comparison& comparison);

// The colour of report `index` (shared by every chart so a report keeps its colour).
std::string series_colour(size_t index);

}  // namespace engram::report
