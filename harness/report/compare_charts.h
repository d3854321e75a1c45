#pragma once
// The SVG charts of the HTML page, drawn here (no plotting library): dot-and-whisker charts of
// per-task deltas against the first report and of throughput per workload shape (intervals from the
// raw repetitions), and line charts (RULER score against context length, throughput and offload
// overhead against Engram table size, with whiskers where the report has repetitions).

#include <string>
#include <utility>
#include <optional>
#include <vector>

#include "harness/report/compare_table.h"

namespace engram::report {

struct ChartPoint {
  double x = 0, y = 0;
  std::optional<Interval> y_interval;  // drawn as a whisker; a point without one is drawn hollow
};

struct ChartSeries {
  std::string name;
  std::vector<ChartPoint> points;  // drawn in x order
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;  // context lengths and table sizes span orders of magnitude
  std::vector<ChartSeries> series;
  bool hollow_without_interval = false;  // measured points need an interval; published ones do not
  std::string note;  // a line under the plot
};

// An <svg> element; a chart without points says so in place of the plot.
std::string svg_line_chart(const LineChart& chart);
// Deltas (in the rows' display unit) with their CI whiskers, for report `column` against report 0,
// over the task-level rows.
std::string svg_delta_chart(const Comparison& comparison, size_t column);
// Throughput of one measure per workload shape, a dot per speed column with its 95% interval.
std::string svg_speed_chart(const Comparison& comparison, const std::string& measure);

// The charts the page draws from a comparison.
LineChart ruler_chart(const Comparison& comparison);
LineChart offload_overhead_chart(const Comparison& comparison);
LineChart offload_throughput_chart(const Comparison& comparison);

// The colour of report `index` (shared by every chart so a report keeps its colour).
std::string series_colour(size_t index);

}  // namespace engram::report
