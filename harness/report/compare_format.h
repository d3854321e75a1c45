#pragma once
// The text formats of a comparison: Markdown (the terminal and PRs), CSV (long format: one line per
// report and row, a constant column count) and LaTeX (booktabs tables for papers). The HTML page is
// html_page.h. Each format escapes what it must: `|` in Markdown cells, RFC 4180 quoting in CSV,
// LaTeX's special characters.

#include <string>
#include <utility>
#include <vector>

#include "harness/report/compare_table.h"

namespace engram::report {

enum class CompareFormat { markdown, csv, latex, html };

// "md" | "markdown" | "csv" | "latex" | "tex" | "html"; throws std::invalid_argument listing them.
CompareFormat parse_compare_format(const std::string& name);

std::string render_comparison(const Comparison& comparison, CompareFormat format);
std::string render_markdown(const Comparison& comparison);
std::string render_csv(const Comparison& comparison);
std::string render_latex(const Comparison& comparison);

std::string escape_latex(const std::string& text);
std::string escape_markdown_cell(const std::string& text);
std::string csv_field(const std::string& text);

// Shared by the formats so a number reads the same everywhere. Rows whose values all lie in [0, 1]
// are shown in percent (points), like the paper's tables; others (losses) as they are.
bool row_in_percent(const AccuracyRow& row);
std::string value_text(const AccuracyRow& row, const AccuracyCell& cell, bool with_ci);
std::string delta_text(const AccuracyRow& row, const AccuracyCell& cell);
std::string p_value_text(const AccuracyCell& cell);  // "0.0386 McNemar" | "0.21 bootstrap" | "n/a"
std::string flips_text(const AccuracyCell& cell);    // "+5/-40" (0->1 / 1->0) | ""
std::string relative_change_text(const SpeedCell& cell);
std::string speed_value_text(const SpeedCell& cell);  // "98.0 [95.1, 100.9]" | "98.0 ± 1.0 sd" | "-"
std::string speed_legend(const Comparison& comparison);
// Each distinct caveat once, with the labels of the reports it applies to ("a, b"), in report order.
std::vector<std::pair<std::string, std::string>> grouped_caveats(const Comparison& comparison);
std::string number_text(double value, int decimals);

}  // namespace engram::report
