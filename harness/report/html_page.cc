#include "harness/report/html_page.h"

#include <algorithm>
#include <sstream>

#include "harness/report/compare_charts.h"
#include "harness/report/compare_format.h"

namespace engram::report {
namespace {

const char* kStyle = R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child,td.text{text-align:left}
th{background:#f3f3f3}
tr.subtask td:first-child,tr.group td:first-child{padding-left:2em;color:#555}
.significant{font-weight:bold}
.fingerprint{color:#b00}
.chart{display:block;margin:1em 0;font-size:11px}
.chart .frame{fill:none;stroke:#888}
.chart .grid{stroke:#e4e4e4}
.chart .zero{stroke:#444;stroke-dasharray:4 3}
.chart .tick{stroke:#888}
.chart-title{font-size:14px;font-weight:bold}
.empty{fill:#888}
p.legend{font-size:0.85em;color:#555;max-width:60em}
.chart-note{font-size:10px;fill:#666}
.caveats{background:#fff6e0;border:1px solid #e0b040;padding:0.5em 1em;max-width:60em}
.caveats li{margin:0.2em 0}
table.speed td:not(.text){white-space:nowrap}
)";

std::string td(const std::string& text, const std::string& css_class = "") {
  return "<td" + (css_class.empty() ? "" : " class=\"" + css_class + "\"") + ">" + escape_html(text) + "</td>";
}

std::string th(const std::string& text) { return "<th>" + escape_html(text) + "</th>"; }

void accuracy_table(std::ostringstream& out, const Comparison& c) {
  out << "<h2>Accuracy</h2>\n<table>\n<tr>" << th("Task") << th("Metric");
  for (const std::string& label : c.labels) out << th(label);
  for (size_t i = 1; i < c.labels.size(); ++i) out << th("Δ " + c.labels[i]) << th("p " + c.labels[i]) << th("flips " + c.labels[i]);
  out << "</tr>\n";
  for (const AccuracyRow& row : c.accuracy) {
    out << "<tr class=\"" << escape_html(row.scope) << "\">" << td(row.name, "text") << td(row.metric, "text");
    for (const AccuracyCell& cell : row.cells) out << td(value_text(row, cell, true));
    for (size_t i = 1; i < row.cells.size(); ++i) {
      const AccuracyCell& cell = row.cells[i];
      std::string css = cell.significant ? "significant" : "";
      if (cell.fingerprint_differs) css += css.empty() ? "fingerprint" : " fingerprint";
      out << td(delta_text(row, cell) + (cell.significant ? "*" : "") + (cell.fingerprint_differs ? "†" : ""), css);
      if (cell.test) out << td(p_value_text(cell));
      else out << "<td title=\"" << escape_html(cell.no_test_reason) << "\">n/a</td>";
      out << td(flips_text(cell));
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
}

void speed_table(std::ostringstream& out, const Comparison& c) {
  if (c.speed.empty()) return;
  out << "<h2>Speed</h2>\n<table class=\"speed\">\n<tr>" << th("Workload shape") << th("Measure (tok/s)");
  for (const SpeedColumn& column : c.speed_columns) out << th(column.label);
  for (size_t i = 1; i < c.speed_columns.size(); ++i) out << th("Δ% " + c.speed_columns[i].label);
  out << "</tr>\n";
  for (const SpeedComparisonRow& row : c.speed) {
    out << "<tr>" << td(row.key, "text") << td(row.measure, "text");
    for (const SpeedCell& cell : row.cells) out << td(speed_value_text(cell));
    for (size_t i = 1; i < row.cells.size(); ++i) out << td(relative_change_text(row.cells[i]));
    out << "</tr>\n";
  }
  out << "</table>\n<p class=\"legend\">" << escape_html(speed_legend(c)) << "</p>\n";
}

// Before any number: what the reader must know to read them (random weights, skipped tasks, overrides).
void caveats_section(std::ostringstream& out, const Comparison& c) {
  const auto caveats = grouped_caveats(c);
  if (caveats.empty()) return;
  out << "<div class=\"caveats\">\n<h2>Caveats</h2>\n<ul>\n";
  for (const auto& [labels, caveat] : caveats) out << "<li><b>" << escape_html(labels) << "</b>: " << escape_html(caveat) << "</li>\n";
  out << "</ul>\n</div>\n";
}

std::string interval_text(const std::optional<double>& value, const std::optional<Interval>& interval, int decimals) {
  if (!value) return "-";
  std::string out = number_text(*value, decimals);
  if (interval) out += " [" + number_text(interval->first, decimals) + ", " + number_text(interval->second, decimals) + "]";
  return out;
}

void offload_table(std::ostringstream& out, const Comparison& c) {
  if (c.offload.empty()) return;
  out << "<h2>Engram offload</h2>\n<table>\n<tr>" << th("Report") << th("Tier") << th("Table parameters") << th("Table bytes")
      << th("tok/s") << th("Overhead %") << "</tr>\n";
  auto optional_text = [](const std::optional<double>& v, int decimals) { return v ? number_text(*v, decimals) : "-"; };
  for (const OffloadPoint& p : c.offload) {
    out << "<tr>" << td(c.labels[p.report], "text") << td(p.run.tier, "text") << td(optional_text(p.run.table_parameters, 0))
        << td(optional_text(p.run.table_bytes, 0)) << td(interval_text(p.run.tok_s, p.run.tok_s_interval, 2))
        << td(interval_text(p.run.overhead_pct, p.run.overhead_pct_interval, 2)) << "</tr>\n";
  }
  out << "</table>\n<p class=\"legend\">[low, high]: 95% Student-t interval over the timed repetitions (the overhead "
      << "paired per repetition, device and offloaded passes alternating); a bare number: the report has no repetitions. On a "
      << "shared CPU an interval that spans zero means the overhead is not measurable at this size.</p>\n";
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string render_html(const Comparison& c) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>engram-bench compare</title>\n<style>\n"
      << kStyle << "</style>\n</head>\n<body>\n<h1>engram-bench compare</h1>\n<ul>\n";
  for (size_t i = 0; i < c.labels.size(); ++i) {
    out << "<li><b>" << escape_html(c.labels[i]) << "</b>: " << escape_html(c.sources[i])
        << (c.reference[i] ? " (published reference)" : "") << "</li>\n";
  }
  out << "</ul>\n";
  caveats_section(out, c);
  accuracy_table(out, c);
  out << "<p class=\"legend\">Values are the primary metric with its 95% CI; 0-1 metrics in percent, deltas in points, "
      << "against the first report. p: exact McNemar for 0/1 metrics, paired bootstrap otherwise, on the items both reports "
      << "scored. * (bold): Holm-adjusted p &lt; " << escape_html(number_text(c.alpha, 3))
      << " across the tested rows of the column. † (red): the protocol fingerprints differ. Flips: +0→1 / -1→0. Published "
      << "references have no per-item data, hence no paired test; hover n/a for the reason.</p>\n";
  out << "<h2>Charts</h2>\n";
  for (size_t column = 1; column < c.labels.size(); ++column) out << svg_delta_chart(c, column);
  out << svg_line_chart(ruler_chart(c));
  for (const std::string& measure : throughput_fields()) {
    const bool any = std::any_of(c.speed.begin(), c.speed.end(), [&](const SpeedComparisonRow& r) { return r.measure == measure; });
    if (any) out << svg_speed_chart(c, measure);
  }
  out << svg_line_chart(offload_throughput_chart(c));
  out << svg_line_chart(offload_overhead_chart(c));
  speed_table(out, c);
  offload_table(out, c);
  if (!c.notes.empty()) {
    out << "<h2>Notes</h2>\n<ul>\n";
    for (const std::string& note : c.notes) out << "<li>" << escape_html(note) << "</li>\n";
    out << "</ul>\n";
  }
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace engram::report
