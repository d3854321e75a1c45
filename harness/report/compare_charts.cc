#include "harness/report/compare_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <tuple>
#include <map>
#include <sstream>

#include "harness/report/compare_format.h"
#include "harness/report/html_page.h"

namespace engram::report {
namespace {

constexpr double kWidth = 680, kHeight = 360;
constexpr double kLeft = 70, kRight = 170, kTop = 40, kBottom = 56;

std::string fixed(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

std::string tick_label(double v) {
  char buffer[32];
  const double a = std::abs(v);
  if (a >= 1e9) std::snprintf(buffer, sizeof buffer, "%gB", v / 1e9);
  else if (a >= 1e6) std::snprintf(buffer, sizeof buffer, "%gM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buffer, sizeof buffer, "%gK", v / 1e3);
  else std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

std::vector<double> linear_ticks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5.0;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) out.push_back(std::abs(t) < 1e-12 * span ? 0 : t);
  return out;
}

// Padded so that points do not sit on the frame; a degenerate range is widened.
std::pair<double, double> padded_range(double lo, double hi, bool log) {
  if (log) {
    lo = std::log10(lo);
    hi = std::log10(hi);
  }
  if (hi - lo < 1e-12) {
    const double pad = std::max(std::abs(lo) * 0.1, log ? 0.5 : 1.0);
    lo -= pad;
    hi += pad;
  } else {
    const double pad = 0.06 * (hi - lo);
    lo -= pad;
    hi += pad;
  }
  return {lo, hi};
}

std::string svg_open(double width, double height, const std::string& title) {
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" << fixed(width) << "\" height=\"" << fixed(height)
      << "\" viewBox=\"0 0 " << fixed(width) << " " << fixed(height) << "\" role=\"img\" aria-label=\"" << escape_html(title)
      << "\">\n<title>" << escape_html(title) << "</title>\n"
      << "<text x=\"" << fixed(width / 2) << "\" y=\"20\" text-anchor=\"middle\" class=\"chart-title\">" << escape_html(title)
      << "</text>\n";
  return out.str();
}

// Every chart of the page spans orders of magnitude along x (lengths, table sizes).
LineChart titled_chart(const std::string& title, const std::string& x_label, const std::string& y_label) {
  LineChart chart;
  chart.title = title;
  chart.x_label = x_label;
  chart.y_label = y_label;
  chart.log_x = true;
  return chart;
}

std::string empty_chart(const std::string& title, const std::string& message) {
  const double height = kTop + kBottom + 26;
  return svg_open(kWidth, height, title) + "<text x=\"" + fixed(kWidth / 2) + "\" y=\"" + fixed(height / 2) +
         "\" text-anchor=\"middle\" class=\"empty\">" + escape_html(message) + "</text>\n</svg>\n";
}

}  // namespace

std::string series_colour(size_t index) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  return palette[index % (sizeof palette / sizeof palette[0])];
}

namespace {

// Plot area and scales of a line chart, from its points and their intervals.
struct LineFrame {
  bool log_x = false;
  double xa = 0, xb = 1, ya = 0, yb = 1;
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  double sx(double x) const { return kLeft + ((log_x ? std::log10(x) : x) - xa) / (xb - xa) * plot_w; }
  double sy(double y) const { return kTop + plot_h - (y - ya) / (yb - ya) * plot_h; }
};

std::vector<ChartPoint> drawable_points(const LineChart& chart, const ChartSeries& s) {
  std::vector<ChartPoint> points;
  for (const ChartPoint& p : s.points) {
    if (!chart.log_x || p.x > 0) points.push_back(p);
  }
  std::sort(points.begin(), points.end(), [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  return points;
}

std::optional<LineFrame> line_frame(const LineChart& chart, std::vector<double>& distinct_x) {
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const ChartSeries& s : chart.series) {
    for (const ChartPoint& p : drawable_points(chart, s)) {
      x_lo = std::min(x_lo, p.x), x_hi = std::max(x_hi, p.x);
      y_lo = std::min({y_lo, p.y, p.y_interval ? p.y_interval->first : p.y});
      y_hi = std::max({y_hi, p.y, p.y_interval ? p.y_interval->second : p.y});
      if (std::find(distinct_x.begin(), distinct_x.end(), p.x) == distinct_x.end()) distinct_x.push_back(p.x);
    }
  }
  if (distinct_x.empty()) return std::nullopt;
  LineFrame frame;
  frame.log_x = chart.log_x;
  std::tie(frame.xa, frame.xb) = padded_range(x_lo, x_hi, chart.log_x);
  std::tie(frame.ya, frame.yb) = padded_range(std::min(y_lo, 0.0), y_hi, false);
  return frame;
}

void line_axes(std::ostringstream& out, const LineChart& chart, const LineFrame& f, std::vector<double> distinct_x) {
  out << "<rect x=\"" << fixed(kLeft) << "\" y=\"" << fixed(kTop) << "\" width=\"" << fixed(f.plot_w) << "\" height=\""
      << fixed(f.plot_h) << "\" class=\"frame\"/>\n";
  std::vector<double> x_ticks;
  if (chart.log_x) {
    std::sort(distinct_x.begin(), distinct_x.end());
    if (distinct_x.size() <= 8) {
      x_ticks = distinct_x;
    } else {
      for (double p = std::ceil(f.xa); p <= f.xb; p += 1) x_ticks.push_back(std::pow(10.0, p));
    }
  } else {
    x_ticks = linear_ticks(f.xa, f.xb);
  }
  const double bottom = kTop + f.plot_h;
  for (double t : x_ticks) {
    out << "<line x1=\"" << fixed(f.sx(t)) << "\" y1=\"" << fixed(bottom) << "\" x2=\"" << fixed(f.sx(t)) << "\" y2=\""
        << fixed(bottom + 5) << "\" class=\"tick\"/>\n<text x=\"" << fixed(f.sx(t)) << "\" y=\"" << fixed(bottom + 18)
        << "\" text-anchor=\"middle\" class=\"tick-label\">" << escape_html(tick_label(t)) << "</text>\n";
  }
  for (double t : linear_ticks(f.ya, f.yb)) {
    out << "<line x1=\"" << fixed(kLeft) << "\" y1=\"" << fixed(f.sy(t)) << "\" x2=\"" << fixed(kLeft + f.plot_w) << "\" y2=\""
        << fixed(f.sy(t)) << "\" class=\"" << (t == 0 ? "zero" : "grid") << "\"/>\n<text x=\"" << fixed(kLeft - 6) << "\" y=\""
        << fixed(f.sy(t) + 4) << "\" text-anchor=\"end\" class=\"tick-label\">" << escape_html(tick_label(t)) << "</text>\n";
  }
  out << "<text x=\"" << fixed(kLeft + f.plot_w / 2) << "\" y=\"" << fixed(kHeight - 24) << "\" text-anchor=\"middle\">"
      << escape_html(chart.x_label) << (chart.log_x ? " (log scale)" : "") << "</text>\n";
  out << "<text transform=\"translate(16," << fixed(kTop + f.plot_h / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << escape_html(chart.y_label) << "</text>\n";
  if (!chart.note.empty()) {
    out << "<text x=\"" << fixed(kLeft) << "\" y=\"" << fixed(kHeight - 6) << "\" class=\"chart-note\">" << escape_html(chart.note)
        << "</text>\n";
  }
}

// A vertical whisker with caps at (x, low)..(x, high), or a horizontal one when `horizontal`.
void whisker(std::ostringstream& out, double at, double low, double high, bool horizontal, const std::string& colour) {
  auto line = [&](double x1, double y1, double x2, double y2, const char* css) {
    out << "<line x1=\"" << fixed(x1) << "\" y1=\"" << fixed(y1) << "\" x2=\"" << fixed(x2) << "\" y2=\"" << fixed(y2)
        << "\" stroke=\"" << colour << "\" stroke-width=\"2\"" << css << "/>\n";
  };
  if (horizontal) {
    line(low, at, high, at, " class=\"whisker\"");
    for (double end : {low, high}) line(end, at - 5, end, at + 5, "");
  } else {
    line(at, low, at, high, " class=\"whisker\"");
    for (double end : {low, high}) line(at - 5, end, at + 5, end, "");
  }
}

void legend_entry(std::ostringstream& out, size_t index, const std::string& name, const std::string& colour) {
  const double ly = kTop + 14 + 18.0 * static_cast<double>(index);
  out << "<rect x=\"" << fixed(kWidth - kRight + 12) << "\" y=\"" << fixed(ly - 9) << "\" width=\"10\" height=\"10\" fill=\""
      << colour << "\"/>\n<text x=\"" << fixed(kWidth - kRight + 28) << "\" y=\"" << fixed(ly) << "\" class=\"legend\">"
      << escape_html(name) << "</text>\n";
}

void line_series(std::ostringstream& out, const LineChart& chart, const LineFrame& f, size_t index) {
  const ChartSeries& s = chart.series[index];
  const std::vector<ChartPoint> points = drawable_points(chart, s);
  const std::string colour = series_colour(index);
  if (points.size() > 1) {
    out << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (const ChartPoint& p : points) out << fixed(f.sx(p.x)) << "," << fixed(f.sy(p.y)) << " ";
    out << "\"/>\n";
  }
  for (const ChartPoint& p : points) {
    if (p.y_interval) whisker(out, f.sx(p.x), f.sy(p.y_interval->first), f.sy(p.y_interval->second), false, colour);
    const bool hollow = chart.hollow_without_interval && !p.y_interval;
    std::string tip = s.name + ": " + tick_label(p.x) + " -> " + number_text(p.y, 2);
    if (p.y_interval) tip += " [" + number_text(p.y_interval->first, 2) + ", " + number_text(p.y_interval->second, 2) + "]";
    else if (chart.hollow_without_interval) tip += " (no repetitions in the report: no interval)";
    out << "<circle cx=\"" << fixed(f.sx(p.x)) << "\" cy=\"" << fixed(f.sy(p.y)) << "\" r=\"4\" fill=\""
        << (hollow ? "white" : colour) << "\" stroke=\"" << colour << "\" stroke-width=\"2\"><title>" << escape_html(tip)
        << "</title></circle>\n";
  }
  legend_entry(out, index, s.name, colour);
}

// One row of a dot-and-whisker chart: a label and a dot per series.
struct Dot {
  size_t series = 0;
  double value = 0;
  std::optional<Interval> interval;
  bool filled = true;
  std::string tip;
};
struct DotRow {
  std::string label;
  std::vector<Dot> dots;
};

// The series of a dot chart: names for the legend (none with one series) and colours.
struct DotSeries {
  std::vector<std::string> names;
  std::vector<std::string> colours;
};

// Rows top to bottom, values along x; several series share a row, each a little offset. `note`, if
// any, is a line under the axis label.
std::string svg_dot_chart(const std::string& title, const std::string& x_label, const std::string& note,
                          const std::vector<DotRow>& rows, const DotSeries& series, bool include_zero) {
  const size_t count = series.colours.size();
  const double left = 180, right = count > 1 ? kRight : 40, row_h = 14.0 + 12.0 * static_cast<double>(count);
  const double height = kTop + kBottom + (note.empty() ? 0 : 14) + row_h * static_cast<double>(std::max<size_t>(rows.size(), 1));
  std::ostringstream out;
  out << svg_open(kWidth, height, title);
  double lo = include_zero ? 0 : INFINITY, hi = include_zero ? 0 : -INFINITY;
  for (const DotRow& r : rows) {
    for (const Dot& d : r.dots) {
      lo = std::min({lo, d.value, d.interval ? d.interval->first : d.value});
      hi = std::max({hi, d.value, d.interval ? d.interval->second : d.value});
    }
  }
  const auto [xa, xb] = padded_range(lo, hi, false);
  const double plot_w = kWidth - left - right, plot_h = row_h * static_cast<double>(rows.size());
  auto sx = [&, xa = xa, xb = xb](double x) { return left + (x - xa) / (xb - xa) * plot_w; };
  out << "<rect x=\"" << fixed(left) << "\" y=\"" << fixed(kTop) << "\" width=\"" << fixed(plot_w) << "\" height=\""
      << fixed(plot_h) << "\" class=\"frame\"/>\n";
  for (double t : linear_ticks(xa, xb)) {
    out << "<line x1=\"" << fixed(sx(t)) << "\" y1=\"" << fixed(kTop) << "\" x2=\"" << fixed(sx(t)) << "\" y2=\""
        << fixed(kTop + plot_h) << "\" class=\"" << (t == 0 ? "zero" : "grid") << "\"/>\n<text x=\"" << fixed(sx(t)) << "\" y=\""
        << fixed(kTop + plot_h + 16) << "\" text-anchor=\"middle\" class=\"tick-label\">" << escape_html(tick_label(t))
        << "</text>\n";
  }
  const double label_y = kTop + plot_h + 36;
  out << "<text x=\"" << fixed(left + plot_w / 2) << "\" y=\"" << fixed(label_y) << "\" text-anchor=\"middle\">"
      << escape_html(x_label) << "</text>\n";
  if (!note.empty()) {
    out << "<text x=\"" << fixed(left + plot_w / 2) << "\" y=\"" << fixed(label_y + 16)
        << "\" text-anchor=\"middle\" class=\"chart-note\">" << escape_html(note) << "</text>\n";
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const double top = kTop + row_h * static_cast<double>(i);
    out << "<text x=\"" << fixed(left - 8) << "\" y=\"" << fixed(top + row_h / 2 + 4) << "\" text-anchor=\"end\" class=\"row-label\">"
        << escape_html(rows[i].label) << "</text>\n";
    for (const Dot& d : rows[i].dots) {
      const double y = top + 13 + 12.0 * static_cast<double>(d.series);
      const std::string& colour = series.colours.at(d.series);
      if (d.interval) whisker(out, y, sx(d.interval->first), sx(d.interval->second), true, colour);
      out << "<circle cx=\"" << fixed(sx(d.value)) << "\" cy=\"" << fixed(y) << "\" r=\"5\" fill=\"" << (d.filled ? colour : "white")
          << "\" stroke=\"" << colour << "\" stroke-width=\"2\"><title>" << escape_html(d.tip) << "</title></circle>\n";
    }
  }
  if (count > 1) {
    for (size_t i = 0; i < count; ++i) legend_entry(out, i, series.names.at(i), series.colours[i]);
  }
  out << "</svg>\n";
  return out.str();
}

std::string interval_tip(const std::string& name, double value, const std::optional<Interval>& interval) {
  std::string tip = name + ": " + number_text(value, 2);
  if (interval) tip += " [" + number_text(interval->first, 2) + ", " + number_text(interval->second, 2) + "]";
  return tip;
}

// A report's colour when the report has one speed column; the column's own otherwise.
std::string speed_column_colour(const Comparison& comparison, size_t column) {
  const size_t report = comparison.speed_columns[column].report;
  const auto of_report = std::count_if(comparison.speed_columns.begin(), comparison.speed_columns.end(),
                                       [&](const SpeedColumn& c) { return c.report == report; });
  return series_colour(of_report == 1 ? report : comparison.labels.size() + column);
}

}  // namespace

std::string svg_line_chart(const LineChart& chart) {
  std::ostringstream out;
  out << svg_open(kWidth, kHeight, chart.title);
  std::vector<double> distinct_x;
  const std::optional<LineFrame> frame = line_frame(chart, distinct_x);
  if (!frame) {
    out << "<text x=\"" << fixed(kWidth / 2) << "\" y=\"" << fixed(kHeight / 2)
        << "\" text-anchor=\"middle\" class=\"empty\">no data in these reports</text>\n</svg>\n";
    return out.str();
  }
  line_axes(out, chart, *frame, distinct_x);
  for (size_t i = 0; i < chart.series.size(); ++i) line_series(out, chart, *frame, i);
  out << "</svg>\n";
  return out.str();
}

std::string svg_delta_chart(const Comparison& comparison, size_t column) {
  std::vector<DotRow> rows;
  for (const AccuracyRow& row : comparison.accuracy) {
    if (row.scope != "task" || column >= row.cells.size()) continue;
    const AccuracyCell& cell = row.cells[column];
    if (!cell.delta) continue;
    const double scale = row_in_percent(row) ? 100.0 : 1.0;
    Dot dot{0, scale * *cell.delta, std::nullopt, cell.significant, ""};
    if (cell.delta_ci) dot.interval = Interval{scale * cell.delta_ci->first, scale * cell.delta_ci->second};
    dot.tip = interval_tip(row.name, dot.value, dot.interval) + (cell.significant ? " (significant)" : "");
    rows.push_back({row.name + (cell.fingerprint_differs ? " †" : ""), {dot}});
  }
  const std::string title = "Δ " + comparison.labels[column] + " − " + comparison.labels[0] + " per task (95% CI)";
  if (rows.empty()) return empty_chart(title, "no task scored by both reports");
  // Filled: significant after Holm's correction.
  return svg_dot_chart(title, "delta (points for 0-1 metrics); filled: significant after Holm's correction", "", rows,
                       {{comparison.labels[column]}, {series_colour(column)}}, true);
}

std::string svg_speed_chart(const Comparison& comparison, const std::string& measure) {
  std::vector<const SpeedComparisonRow*> measured;
  for (const SpeedComparisonRow& row : comparison.speed) {
    if (row.measure == measure) measured.push_back(&row);
  }
  const std::string title = measure + " per workload shape (95% CI over repetitions)";
  if (measured.empty()) return empty_chart(title, "no " + measure + " in these reports");
  // The shape fields every row shares go under the chart, so the row labels stay short.
  std::vector<bool> shared(measured[0]->shape.size(), true);
  for (const SpeedComparisonRow* row : measured) {
    for (size_t f = 0; f < shared.size(); ++f) shared[f] = shared[f] && row->shape.at(f) == measured[0]->shape[f];
  }
  const auto fields_text = [&](const SpeedComparisonRow& row, bool common) {
    std::string text;
    for (size_t f = 0; f < shared.size(); ++f) {
      if (shared[f] == common && row.shape[f].second != "null") text += (text.empty() ? "" : " ") + row.shape[f].first + "=" + row.shape[f].second;
    }
    return text;
  };
  std::vector<DotRow> rows;
  for (const SpeedComparisonRow* row : measured) {
    DotRow out{fields_text(*row, false), {}};
    for (size_t c = 0; c < row->cells.size(); ++c) {
      const SpeedCell& cell = row->cells[c];
      if (!cell.present) continue;
      out.dots.push_back({c, cell.value, cell.interval, cell.interval.has_value(),
                          interval_tip(comparison.speed_columns[c].label, cell.value, cell.interval) +
                              (cell.interval ? "" : " (no interval: no repetitions that reproduce this rate)")});
    }
    rows.push_back(std::move(out));
  }
  DotSeries series;
  for (const SpeedColumn& column : comparison.speed_columns) {
    series.names.push_back(column.label);
    series.colours.push_back(speed_column_colour(comparison, series.colours.size()));
  }
  return svg_dot_chart(title, "tokens / s; hollow: no interval from repetitions", "all rows: " + fields_text(*measured[0], true),
                       rows, series, false);
}

LineChart ruler_chart(const Comparison& comparison) {
  LineChart chart = titled_chart("RULER score against context length", "context length (tokens)", "score (%)");
  for (size_t i = 0; i < comparison.labels.size(); ++i) chart.series.push_back({comparison.labels[i], {}});
  for (const RulerPoint& p : comparison.ruler) {
    chart.series[p.report].points.push_back({static_cast<double>(p.length), 100.0 * p.score, std::nullopt});
  }
  return chart;
}

namespace {

// One series per report and tier; `value` picks the plotted number and its interval from a run.
LineChart offload_chart(const Comparison& comparison, LineChart chart,
                        const std::function<std::optional<ChartPoint>(const OffloadRun&)>& value) {
  chart.hollow_without_interval = true;
  std::map<std::pair<size_t, std::string>, size_t> series_of;
  for (const OffloadPoint& p : comparison.offload) {
    const std::optional<ChartPoint> point = value(p.run);
    if (!point) continue;
    const auto key = std::make_pair(p.report, p.run.tier);
    if (!series_of.count(key)) {
      series_of[key] = chart.series.size();
      chart.series.push_back({comparison.labels[p.report] + " (" + p.run.tier + ")", {}});
    }
    chart.series[series_of[key]].points.push_back(*point);
  }
  return chart;
}

}  // namespace

LineChart offload_overhead_chart(const Comparison& comparison) {
  LineChart chart = titled_chart("Offload overhead against Engram table size", "table parameters", "overhead vs device-resident (%)");
  chart.note = "whiskers: 95% CI over the paired repetitions; hollow: no repetitions in the report (a point estimate)";
  return offload_chart(comparison, chart, [](const OffloadRun& run) -> std::optional<ChartPoint> {
    if (!run.table_parameters || !run.overhead_pct) return std::nullopt;
    return ChartPoint{*run.table_parameters, *run.overhead_pct, run.overhead_pct_interval};
  });
}

LineChart offload_throughput_chart(const Comparison& comparison) {
  LineChart chart = titled_chart("Throughput against Engram table size", "table parameters", "tokens / s");
  chart.note = "whiskers: 95% CI over the repetitions; hollow: no repetitions in the report (a point estimate)";
  return offload_chart(comparison, chart, [](const OffloadRun& run) -> std::optional<ChartPoint> {
    if (!run.table_parameters || !run.tok_s) return std::nullopt;
    return ChartPoint{*run.table_parameters, *run.tok_s, run.tok_s_interval};
  });
}

}  // namespace engram::report
