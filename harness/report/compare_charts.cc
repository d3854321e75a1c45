#include "harness/report/compare_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

}  // namespace

std::string series_colour(size_t index) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  return palette[index % (sizeof palette / sizeof palette[0])];
}

std::string svg_line_chart(const LineChart& chart) {
  std::ostringstream out;
  out << svg_open(kWidth, kHeight, chart.title);
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  std::vector<double> distinct_x;
  for (const ChartSeries& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      if (chart.log_x && x <= 0) continue;
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
      if (std::find(distinct_x.begin(), distinct_x.end(), x) == distinct_x.end()) distinct_x.push_back(x);
    }
  }
  if (distinct_x.empty()) {
    out << "<text x=\"" << fixed(kWidth / 2) << "\" y=\"" << fixed(kHeight / 2)
        << "\" text-anchor=\"middle\" class=\"empty\">no data in these reports</text>\n</svg>\n";
    return out.str();
  }
  const auto [xa, xb] = padded_range(x_lo, x_hi, chart.log_x);
  const auto [ya, yb] = padded_range(std::min(y_lo, 0.0), y_hi, false);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto sx = [&, xa = xa, xb = xb](double x) { return kLeft + ((chart.log_x ? std::log10(x) : x) - xa) / (xb - xa) * plot_w; };
  auto sy = [&, ya = ya, yb = yb](double y) { return kTop + plot_h - (y - ya) / (yb - ya) * plot_h; };

  out << "<rect x=\"" << fixed(kLeft) << "\" y=\"" << fixed(kTop) << "\" width=\"" << fixed(plot_w) << "\" height=\""
      << fixed(plot_h) << "\" class=\"frame\"/>\n";
  std::vector<double> x_ticks;
  if (chart.log_x) {
    std::sort(distinct_x.begin(), distinct_x.end());
    if (distinct_x.size() <= 8) {
      x_ticks = distinct_x;
    } else {
      for (double p = std::ceil(xa); p <= xb; p += 1) x_ticks.push_back(std::pow(10.0, p));
    }
  } else {
    x_ticks = linear_ticks(xa, xb);
  }
  for (double t : x_ticks) {
    out << "<line x1=\"" << fixed(sx(t)) << "\" y1=\"" << fixed(kTop + plot_h) << "\" x2=\"" << fixed(sx(t)) << "\" y2=\""
        << fixed(kTop + plot_h + 5) << "\" class=\"tick\"/>\n<text x=\"" << fixed(sx(t)) << "\" y=\"" << fixed(kTop + plot_h + 18)
        << "\" text-anchor=\"middle\" class=\"tick-label\">" << escape_html(tick_label(t)) << "</text>\n";
  }
  for (double t : linear_ticks(ya, yb)) {
    out << "<line x1=\"" << fixed(kLeft) << "\" y1=\"" << fixed(sy(t)) << "\" x2=\"" << fixed(kLeft + plot_w) << "\" y2=\""
        << fixed(sy(t)) << "\" class=\"grid\"/>\n<text x=\"" << fixed(kLeft - 6) << "\" y=\"" << fixed(sy(t) + 4)
        << "\" text-anchor=\"end\" class=\"tick-label\">" << escape_html(tick_label(t)) << "</text>\n";
  }
  out << "<text x=\"" << fixed(kLeft + plot_w / 2) << "\" y=\"" << fixed(kHeight - 12) << "\" text-anchor=\"middle\">"
      << escape_html(chart.x_label) << (chart.log_x ? " (log scale)" : "") << "</text>\n";
  out << "<text transform=\"translate(16," << fixed(kTop + plot_h / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << escape_html(chart.y_label) << "</text>\n";

  for (size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    std::vector<std::pair<double, double>> points;
    for (const auto& p : s.points) {
      if (!chart.log_x || p.first > 0) points.push_back(p);
    }
    std::sort(points.begin(), points.end());
    const std::string colour = series_colour(i);
    if (points.size() > 1) {
      out << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
      for (const auto& [x, y] : points) out << fixed(sx(x)) << "," << fixed(sy(y)) << " ";
      out << "\"/>\n";
    }
    for (const auto& [x, y] : points) {
      out << "<circle cx=\"" << fixed(sx(x)) << "\" cy=\"" << fixed(sy(y)) << "\" r=\"4\" fill=\"" << colour << "\"><title>"
          << escape_html(s.name + ": " + tick_label(x) + " -> " + number_text(y, 2)) << "</title></circle>\n";
    }
    const double ly = kTop + 14 + 18.0 * static_cast<double>(i);
    out << "<rect x=\"" << fixed(kWidth - kRight + 12) << "\" y=\"" << fixed(ly - 9) << "\" width=\"10\" height=\"10\" fill=\""
        << colour << "\"/>\n<text x=\"" << fixed(kWidth - kRight + 28) << "\" y=\"" << fixed(ly) << "\" class=\"legend\">"
        << escape_html(s.name) << "</text>\n";
  }
  out << "</svg>\n";
  return out.str();
}

std::string svg_delta_chart(const Comparison& comparison, size_t column) {
  struct Bar {
    std::string name;
    double delta;
    std::optional<std::pair<double, double>> ci;
    bool significant, fingerprint_differs;
  };
  std::vector<Bar> bars;
  for (const AccuracyRow& row : comparison.accuracy) {
    if (row.scope != "task" || column >= row.cells.size()) continue;
    const AccuracyCell& cell = row.cells[column];
    if (!cell.delta) continue;
    const double scale = row_in_percent(row) ? 100.0 : 1.0;
    std::optional<std::pair<double, double>> ci;
    if (cell.delta_ci) ci = std::make_pair(scale * cell.delta_ci->first, scale * cell.delta_ci->second);
    bars.push_back({row.name, scale * *cell.delta, ci, cell.significant, cell.fingerprint_differs});
  }
  const std::string title = "Δ " + comparison.labels[column] + " − " + comparison.labels[0] + " per task (95% CI)";
  const double left = 180, right = 40, row_h = 26;
  const double height = kTop + kBottom + row_h * static_cast<double>(std::max<size_t>(bars.size(), 1));
  std::ostringstream out;
  out << svg_open(kWidth, height, title);
  if (bars.empty()) {
    out << "<text x=\"" << fixed(kWidth / 2) << "\" y=\"" << fixed(height / 2)
        << "\" text-anchor=\"middle\" class=\"empty\">no task scored by both reports</text>\n</svg>\n";
    return out.str();
  }
  double lo = 0, hi = 0;
  for (const Bar& b : bars) {
    lo = std::min({lo, b.delta, b.ci ? b.ci->first : b.delta});
    hi = std::max({hi, b.delta, b.ci ? b.ci->second : b.delta});
  }
  const auto [xa, xb] = padded_range(lo, hi, false);
  const double plot_w = kWidth - left - right, plot_h = row_h * static_cast<double>(bars.size());
  auto sx = [&, xa = xa, xb = xb](double x) { return left + (x - xa) / (xb - xa) * plot_w; };
  out << "<rect x=\"" << fixed(left) << "\" y=\"" << fixed(kTop) << "\" width=\"" << fixed(plot_w) << "\" height=\""
      << fixed(plot_h) << "\" class=\"frame\"/>\n";
  for (double t : linear_ticks(xa, xb)) {
    out << "<line x1=\"" << fixed(sx(t)) << "\" y1=\"" << fixed(kTop) << "\" x2=\"" << fixed(sx(t)) << "\" y2=\""
        << fixed(kTop + plot_h) << "\" class=\"" << (t == 0 ? "zero" : "grid") << "\"/>\n<text x=\"" << fixed(sx(t)) << "\" y=\""
        << fixed(kTop + plot_h + 16) << "\" text-anchor=\"middle\" class=\"tick-label\">" << escape_html(tick_label(t))
        << "</text>\n";
  }
  out << "<text x=\"" << fixed(left + plot_w / 2) << "\" y=\"" << fixed(height - 12)
      << "\" text-anchor=\"middle\">delta (points for 0-1 metrics)</text>\n";
  const std::string colour = series_colour(column);
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + row_h * (static_cast<double>(i) + 0.5);
    out << "<text x=\"" << fixed(left - 8) << "\" y=\"" << fixed(y + 4) << "\" text-anchor=\"end\" class=\"row-label\">"
        << escape_html(b.name + (b.fingerprint_differs ? " †" : "")) << "</text>\n";
    if (b.ci) {
      out << "<line x1=\"" << fixed(sx(b.ci->first)) << "\" y1=\"" << fixed(y) << "\" x2=\"" << fixed(sx(b.ci->second))
          << "\" y2=\"" << fixed(y) << "\" stroke=\"" << colour << "\" stroke-width=\"2\" class=\"whisker\"/>\n";
      for (double end : {b.ci->first, b.ci->second}) {
        out << "<line x1=\"" << fixed(sx(end)) << "\" y1=\"" << fixed(y - 5) << "\" x2=\"" << fixed(sx(end)) << "\" y2=\""
            << fixed(y + 5) << "\" stroke=\"" << colour << "\" stroke-width=\"2\"/>\n";
      }
    }
    out << "<circle cx=\"" << fixed(sx(b.delta)) << "\" cy=\"" << fixed(y) << "\" r=\"5\" fill=\""
        << (b.significant ? colour : "white") << "\" stroke=\"" << colour << "\" stroke-width=\"2\"><title>"
        << escape_html(b.name + ": " + number_text(b.delta, 2) + (b.significant ? " (significant)" : ""))
        << "</title></circle>\n";
  }
  out << "</svg>\n";
  return out.str();
}

LineChart ruler_chart(const Comparison& comparison) {
  LineChart chart{"RULER score against context length", "context length (tokens)", "score (%)", true, {}};
  for (size_t i = 0; i < comparison.labels.size(); ++i) chart.series.push_back({comparison.labels[i], {}});
  for (const RulerPoint& p : comparison.ruler) {
    chart.series[p.report].points.emplace_back(static_cast<double>(p.length), 100.0 * p.score);
  }
  return chart;
}

LineChart offload_overhead_chart(const Comparison& comparison) {
  LineChart chart{"Offload overhead against Engram table size", "table parameters", "overhead vs device-resident (%)", true, {}};
  std::map<std::pair<size_t, std::string>, size_t> series_of;
  for (const OffloadPoint& p : comparison.offload) {
    if (!p.run.table_parameters || !p.run.overhead_pct) continue;
    const auto key = std::make_pair(p.report, p.run.tier);
    if (!series_of.count(key)) {
      series_of[key] = chart.series.size();
      chart.series.push_back({comparison.labels[p.report] + " (" + p.run.tier + ")", {}});
    }
    chart.series[series_of[key]].points.emplace_back(*p.run.table_parameters, *p.run.overhead_pct);
  }
  return chart;
}

LineChart offload_throughput_chart(const Comparison& comparison) {
  LineChart chart{"Throughput against Engram table size", "table parameters", "tokens / s", true, {}};
  std::map<std::pair<size_t, std::string>, size_t> series_of;
  for (const OffloadPoint& p : comparison.offload) {
    if (!p.run.table_parameters || !p.run.tok_s) continue;
    const auto key = std::make_pair(p.report, p.run.tier);
    if (!series_of.count(key)) {
      series_of[key] = chart.series.size();
      chart.series.push_back({comparison.labels[p.report] + " (" + p.run.tier + ")", {}});
    }
    chart.series[series_of[key]].points.emplace_back(*p.run.table_parameters, *p.run.tok_s);
  }
  return chart;
}

}  // namespace engram::report
