#include "harness/report/compare_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "harness/report/html_page.h"

namespace engram::report {
namespace {

std::string printf_text(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string exact_number(double value) { return printf_text("%.10g", value); }

std::string optional_exact(const std::optional<double>& value) { return value ? exact_number(*value) : ""; }

std::string signed_text(double value, int decimals) {
  const std::string body = number_text(value, decimals);
  return value >= 0 ? "+" + body : body;
}

// The markers after a delta; `sig` and `fp` are the format's spelling of them.
std::string markers(const AccuracyCell& cell, const std::string& sig, const std::string& fp) {
  std::string out;
  if (cell.significant) out += sig;
  if (cell.fingerprint_differs) out += fp;
  return out;
}

std::string legend(const Comparison& c) {
  std::ostringstream out;
  out << "Values are the primary metric with its 95% CI; 0-1 metrics are shown in percent and deltas in points. "
      << "Each delta is against the first column (" << c.labels[0] << "). p: exact McNemar for 0/1 metrics, "
      << "paired bootstrap otherwise, on the items both reports scored (paired by items.ids); "
      << "* marks Holm-adjusted p < " << number_text(c.alpha, 3) << " across the tested rows of that column; "
      << "† marks rows whose protocol fingerprints differ (the numbers do not measure the same thing). "
      << "Flips: +items 0->1 / -items 1->0. Published references have no per-item data, so their rows have no paired test "
      << "and their protocol is not fingerprinted.";
  return out.str();
}


std::string ruler_cell(const Comparison& c, size_t report, int64_t length) {
  for (const RulerPoint& p : c.ruler) {
    if (p.report == report && p.length == length) return number_text(100.0 * p.score, 1);
  }
  return "-";
}

std::vector<int64_t> ruler_lengths(const Comparison& c) {
  std::vector<int64_t> out;
  for (const RulerPoint& p : c.ruler) {
    if (std::find(out.begin(), out.end(), p.length) == out.end()) out.push_back(p.length);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string md_row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& cell : cells) out += " " + escape_markdown_cell(cell) + " |";
  return out + "\n";
}

std::string md_rule(size_t columns) {
  std::string out = "|";
  for (size_t i = 0; i < columns; ++i) out += "---|";
  return out + "\n";
}

}  // namespace

std::string number_text(double value, int decimals) {
  const std::string format = "%." + std::to_string(decimals) + "f";
  return printf_text(format.c_str(), value);
}

CompareFormat parse_compare_format(const std::string& name) {
  if (name == "md" || name == "markdown") return CompareFormat::markdown;
  if (name == "csv") return CompareFormat::csv;
  if (name == "latex" || name == "tex") return CompareFormat::latex;
  if (name == "html") return CompareFormat::html;
  throw std::invalid_argument("unknown format \"" + name + "\" (known: md, csv, latex, html)");
}

std::string render_comparison(const Comparison& comparison, CompareFormat format) {
  switch (format) {
    case CompareFormat::markdown: return render_markdown(comparison);
    case CompareFormat::csv: return render_csv(comparison);
    case CompareFormat::latex: return render_latex(comparison);
    case CompareFormat::html: return render_html(comparison);
  }
  throw std::logic_error("render_comparison: unhandled format");
}

std::string escape_latex(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '\\': out += "\\textbackslash{}"; break;
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        out += '\\';
        out += ch;
        break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '<': out += "\\textless{}"; break;
      case '>': out += "\\textgreater{}"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string escape_markdown_cell(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|' || ch == '*' || ch == '\\' || ch == '`') out += '\\';
    out += ch == '\n' ? ' ' : ch;
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

bool row_in_percent(const AccuracyRow& row) {
  for (const AccuracyCell& cell : row.cells) {
    if (!cell.present || !cell.metric.value) continue;
    if (*cell.metric.value < 0 || *cell.metric.value > 1) return false;
  }
  return true;
}

std::string value_text(const AccuracyRow& row, const AccuracyCell& cell, bool with_ci) {
  if (!cell.present || !cell.metric.value) return "-";
  const bool percent = row_in_percent(row);
  const double scale = percent ? 100.0 : 1.0;
  const int decimals = percent ? 1 : 3;
  std::string out = number_text(scale * *cell.metric.value, decimals);
  if (with_ci && cell.metric.ci95) {
    out += " [" + number_text(scale * cell.metric.ci95->first, decimals) + ", " +
           number_text(scale * cell.metric.ci95->second, decimals) + "]";
  }
  return out;
}

std::string delta_text(const AccuracyRow& row, const AccuracyCell& cell) {
  if (!cell.delta) return "-";
  const bool percent = row_in_percent(row);
  return signed_text((percent ? 100.0 : 1.0) * *cell.delta, percent ? 1 : 3);
}

std::string p_value_text(const AccuracyCell& cell) {
  if (!cell.test) return "n/a";
  const double p = cell.test->p_value;
  const std::string value = p < 1e-4 ? "<0.0001" : printf_text("%.4f", p);
  return value + (cell.test->test == "mcnemar-exact" ? " McNemar" : " bootstrap");
}

std::string flips_text(const AccuracyCell& cell) {
  if (!cell.test || !cell.test->flips) return "";
  return "+" + std::to_string(cell.test->flips->zero_to_one) + "/-" + std::to_string(cell.test->flips->one_to_zero);
}

std::string relative_change_text(const SpeedCell& cell) {
  if (!cell.relative_change) return "-";
  return signed_text(100.0 * *cell.relative_change, 1) + "%";
}

std::string speed_value_text(const SpeedCell& cell) {
  if (!cell.present) return "-";
  std::string out = number_text(cell.value, 1);
  if (cell.interval) out += " [" + number_text(cell.interval->first, 1) + ", " + number_text(cell.interval->second, 1) + "]";
  else if (cell.stddev) out += " ± " + number_text(*cell.stddev, 1) + " sd";
  return out;
}

std::vector<std::pair<std::string, std::string>> grouped_caveats(const Comparison& c) {
  std::vector<std::pair<std::string, std::string>> out;  // (labels, caveat)
  for (size_t i = 0; i < c.caveats.size(); ++i) {
    for (const std::string& caveat : c.caveats[i]) {
      const auto same = std::find_if(out.begin(), out.end(), [&](const auto& entry) { return entry.second == caveat; });
      if (same == out.end()) out.emplace_back(c.labels[i], caveat);
      else same->first += ", " + c.labels[i];
    }
  }
  return out;
}

std::string speed_legend(const Comparison&) {
  std::string fields;
  for (const std::string& f : speed_shape_fields()) fields += (fields.empty() ? "" : ", ") + f;
  return "Speed rows pair across reports on the workload shape (" + fields + "); each column is one model of one report. "
         "[low, high]: 95% Student-t interval of the per-repetition rates (the report's raw repetitions); ± sd where a row "
         "has no raw repetitions. Δ% is the relative change against the first column.";
}

namespace {

void markdown_speed_section(std::ostringstream& out, const Comparison& c) {
  if (c.speed.empty()) return;
  out << "\n## Speed\n\n";
  std::vector<std::string> h = {"Workload shape", "Measure (tok/s)"};
  for (const SpeedColumn& column : c.speed_columns) h.push_back(column.label);
  for (size_t i = 1; i < c.speed_columns.size(); ++i) h.push_back("Δ% " + c.speed_columns[i].label);
  out << md_row(h) << md_rule(h.size());
  for (const SpeedComparisonRow& row : c.speed) {
    std::vector<std::string> cells = {row.key, row.measure};
    for (const SpeedCell& cell : row.cells) cells.push_back(speed_value_text(cell));
    for (size_t i = 1; i < row.cells.size(); ++i) cells.push_back(relative_change_text(row.cells[i]));
    out << md_row(cells);
  }
  out << "\n" << speed_legend(c) << "\n";
}

}  // namespace

std::string render_markdown(const Comparison& c) {
  std::ostringstream out;
  out << "## Accuracy\n\n";
  std::vector<std::string> header = {"Task", "Metric"};
  for (const std::string& label : c.labels) header.push_back(label);
  for (size_t i = 1; i < c.labels.size(); ++i) {
    header.push_back("Δ " + c.labels[i]);
    header.push_back("p " + c.labels[i]);
    header.push_back("flips " + c.labels[i]);
  }
  out << md_row(header) << md_rule(header.size());
  for (const AccuracyRow& row : c.accuracy) {
    std::vector<std::string> cells = {row.name, row.metric};
    for (const AccuracyCell& cell : row.cells) cells.push_back(value_text(row, cell, true));
    for (size_t i = 1; i < row.cells.size(); ++i) {
      const AccuracyCell& cell = row.cells[i];
      cells.push_back(delta_text(row, cell) + markers(cell, "*", "†"));
      cells.push_back(cell.test ? p_value_text(cell) : (cell.no_test_reason.empty() ? "n/a" : "n/a: " + cell.no_test_reason));
      cells.push_back(flips_text(cell));
    }
    out << md_row(cells);
  }
  out << "\n" << legend(c) << "\n";

  markdown_speed_section(out, c);
  if (!c.offload.empty()) {
    out << "\n## Engram offload\n\n";
    out << md_row({"Report", "Tier", "Table parameters", "Table bytes", "tok/s", "Overhead %"}) << md_rule(6);
    for (const OffloadPoint& p : c.offload) {
      const OffloadRun& r = p.run;
      out << md_row({c.labels[p.report], r.tier, r.table_parameters ? printf_text("%.4g", *r.table_parameters) : "-",
                     r.table_bytes ? printf_text("%.4g", *r.table_bytes) : "-", r.tok_s ? number_text(*r.tok_s, 2) : "-",
                     r.overhead_pct ? number_text(*r.overhead_pct, 2) : "-"});
    }
  }
  if (!c.ruler.empty()) {
    out << "\n## RULER by context length\n\n";
    std::vector<std::string> h = {"Length"};
    for (const std::string& label : c.labels) h.push_back(label);
    out << md_row(h) << md_rule(h.size());
    for (int64_t length : ruler_lengths(c)) {
      std::vector<std::string> cells = {std::to_string(length)};
      for (size_t i = 0; i < c.labels.size(); ++i) cells.push_back(ruler_cell(c, i, length));
      out << md_row(cells);
    }
  }
  const auto caveats = grouped_caveats(c);
  if (!caveats.empty()) {
    out << "\n## Caveats\n\n";
    for (const auto& [labels, caveat] : caveats) out << "- " << escape_markdown_cell(labels + ": " + caveat) << "\n";
  }
  if (!c.notes.empty()) {
    out << "\n## Notes\n\n";
    for (const std::string& note : c.notes) out << "- " << note << "\n";
  }
  return out.str();
}

std::string render_csv(const Comparison& c) {
  const std::vector<std::string> columns = {
      "section", "report", "row", "scope", "metric", "value", "ci_low", "ci_high", "n", "delta",
      "delta_ci_low", "delta_ci_high", "test", "p_value", "p_holm", "significant", "flips_0_to_1", "flips_1_to_0",
      "pairs", "fingerprint_differs", "table_parameters", "table_bytes", "note"};
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csv_field(fields[i]);
    out << "\n";
  };
  line(columns);
  for (const AccuracyRow& row : c.accuracy) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const AccuracyCell& cell = row.cells[i];
      if (!cell.present) continue;
      const auto& t = cell.test;
      line({"accuracy", c.labels[i], row.name, row.scope, row.metric, optional_exact(cell.metric.value),
            cell.metric.ci95 ? exact_number(cell.metric.ci95->first) : "",
            cell.metric.ci95 ? exact_number(cell.metric.ci95->second) : "",
            cell.metric.n ? std::to_string(*cell.metric.n) : "", optional_exact(cell.delta),
            cell.delta_ci ? exact_number(cell.delta_ci->first) : "", cell.delta_ci ? exact_number(cell.delta_ci->second) : "",
            t ? t->test : "", t ? exact_number(t->p_value) : "", optional_exact(cell.adjusted_p),
            i == 0 ? "" : (cell.significant ? "true" : "false"),
            t && t->flips ? std::to_string(t->flips->zero_to_one) : "",
            t && t->flips ? std::to_string(t->flips->one_to_zero) : "", t ? std::to_string(t->pairs) : "",
            i == 0 || cell.protocol_unchecked ? "" : (cell.fingerprint_differs ? "true" : "false"), "", "",
            i == 0 || t ? "" : cell.no_test_reason});
    }
  }
  for (const SpeedComparisonRow& row : c.speed) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const SpeedCell& cell = row.cells[i];
      if (!cell.present) continue;
      line({"speed", c.speed_columns[i].label, row.key, "", row.measure, exact_number(cell.value),
            cell.interval ? exact_number(cell.interval->first) : "", cell.interval ? exact_number(cell.interval->second) : "",
            "", optional_exact(cell.relative_change), "", "", "", "", "", "", "", "", "", "", "", "",
            "model " + c.speed_columns[i].model + (cell.stddev ? "; stddev " + exact_number(*cell.stddev) : "")});
    }
  }
  for (const OffloadPoint& p : c.offload) {
    const auto& ci = p.run.overhead_pct_interval;
    line({"offload", c.labels[p.report], p.run.tier, "", "overhead_pct", optional_exact(p.run.overhead_pct),
          ci ? exact_number(ci->first) : "", ci ? exact_number(ci->second) : "", "", "",
          "", "", "", "", "", "", "", "", "", "", optional_exact(p.run.table_parameters), optional_exact(p.run.table_bytes),
          p.run.tok_s ? "tok_s " + exact_number(*p.run.tok_s) : ""});
  }
  for (const RulerPoint& p : c.ruler) {
    line({"ruler_by_length", c.labels[p.report], std::to_string(p.length), "", "mean over " + std::to_string(p.parts) + " parts",
          exact_number(p.score), "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""});
  }
  return out.str();
}

std::string render_latex(const Comparison& c) {
  std::ostringstream out;
  out << "% engram-bench compare: needs \\usepackage{booktabs}\n";
  const size_t reports = c.labels.size();
  out << "\\begin{tabular}{ll" << std::string(reports, 'r') << std::string(2 * (reports - 1), 'r') << "}\n\\toprule\n";
  out << "Task & Metric";
  for (const std::string& label : c.labels) out << " & " << escape_latex(label);
  for (size_t i = 1; i < reports; ++i) out << " & $\\Delta$ " << escape_latex(c.labels[i]) << " & $p$ " << escape_latex(c.labels[i]);
  out << " \\\\\n\\midrule\n";
  for (const AccuracyRow& row : c.accuracy) {
    out << escape_latex(row.name) << " & " << escape_latex(row.metric);
    for (const AccuracyCell& cell : row.cells) out << " & " << escape_latex(value_text(row, cell, false));
    for (size_t i = 1; i < reports; ++i) {
      const AccuracyCell& cell = row.cells[i];
      out << " & " << escape_latex(delta_text(row, cell)) << markers(cell, "$^{*}$", "$^{\\dagger}$") << " & "
          << escape_latex(cell.test ? p_value_text(cell) : "n/a");
    }
    out << " \\\\\n";
  }
  out << "\\bottomrule\n\\end{tabular}\n";
  if (!c.speed.empty()) {
    const size_t columns = c.speed_columns.size();
    out << "\n\\begin{tabular}{ll" << std::string(columns, 'r') << std::string(columns - 1, 'r') << "}\n\\toprule\n";
    out << "Workload shape & Measure (tok/s)";
    for (const SpeedColumn& column : c.speed_columns) out << " & " << escape_latex(column.label);
    for (size_t i = 1; i < columns; ++i) out << " & $\\Delta$\\% " << escape_latex(c.speed_columns[i].label);
    out << " \\\\\n\\midrule\n";
    for (const SpeedComparisonRow& row : c.speed) {
      out << escape_latex(row.key) << " & " << escape_latex(row.measure);
      for (const SpeedCell& cell : row.cells) out << " & " << escape_latex(speed_value_text(cell));
      for (size_t i = 1; i < columns; ++i) out << " & " << escape_latex(relative_change_text(row.cells[i]));
      out << " \\\\\n";
    }
    out << "\\bottomrule\n\\end{tabular}\n% " << speed_legend(c) << "\n";
  }
  out << "\n% " << legend(c) << "\n";
  return out.str();
}

}  // namespace engram::report
