// The comparison and its formats: deltas, paired tests, markers, and well-formed md/csv/latex/html.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/report/compare_charts.h"
#include "harness/report/compare_format.h"
#include "harness/report/compare_table.h"
#include "harness/report/html_page.h"
#include "compare_fixtures.h"

namespace engram::report {
namespace {

using testing::make_binary_pair;
using testing::make_report;
using testing::make_speed_row;
using testing::make_task;

nlohmann::json ruler_task(const std::vector<std::pair<std::string, double>>& subtasks) {
  nlohmann::json results = nlohmann::json::object();
  for (const auto& [name, value] : subtasks) {
    results[name] = {{"metrics", {{"score,none", {{"value", value}, {"n", 10}}}}}};
  }
  return {{"fingerprint", "ruler-fp"},
          {"primary_metric", "score,none"},
          {"metrics", {{"score,none", {{"value", 0.5}, {"n", 10 * subtasks.size()}}}}},
          {"subtask_results", results}};
}

// Three reports: B drops on "my_task%" (40 vs 5 flips), C has a different protocol; B is 10% slower.
std::vector<LoadedReport> three_reports() {
  const auto drop = make_binary_pair(200, 40, 5, 1);
  const auto noise = make_binary_pair(200, 10, 8, 2);
  nlohmann::json a_tasks = {{"my_task%", make_task("my_task%", "acc,none", drop.a, "fp1", 4)},
                            {"other", make_task("other", "acc,none", noise.a)},
                            {"ruler", ruler_task({{"niah_single_1@4096", 0.9}, {"vt@4096", 0.7}, {"niah_single_1@8192", 0.6}})}};
  nlohmann::json b_tasks = {{"my_task%", make_task("my_task%", "acc,none", drop.b, "fp1", 4)},
                            {"other", make_task("other", "acc,none", noise.b)},
                            {"ruler", ruler_task({{"niah_single_1@4096", 0.8}, {"niah_single_1@8192", 0.4}})}};
  nlohmann::json c_tasks = {{"my_task%", make_task("my_task%", "acc,none", drop.a, "fp2", 4)}};
  auto a = make_report("tiny-moe", a_tasks, {make_speed_row("tiny", 100.0)});
  a["offload"] = {{"runs", {{{"tier", "host"}, {"table_parameters", 1e6}, {"tok_s", 95.0}, {"overhead_pct", 5.0}},
                            {{"tier", "host"}, {"table_parameters", 1e7}, {"tok_s", 90.0}, {"overhead_pct", 10.0}}}}};
  std::vector<LoadedReport> out = {parse_report(a, "a.json"),
                                   parse_report(make_report("tiny-engram", b_tasks, {make_speed_row("tiny", 90.0)}), "b.json"),
                                   parse_report(make_report("tiny-engram", c_tasks), "c_run.json")};
  make_labels_unique(out);
  return out;
}

Comparison comparison(CompareDetail detail = CompareDetail::tasks) {
  CompareOptions options;
  options.detail = detail;
  options.bootstrap.resamples = 1000;
  return compare_reports(three_reports(), options);
}

const AccuracyRow& row(const Comparison& c, const std::string& name) {
  for (const AccuracyRow& r : c.accuracy) {
    if (r.name == name) return r;
  }
  throw std::runtime_error("no row " + name);
}

// Splits one CSV line, honouring quotes.
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (ch == '"') quoted = false;
      else out.back() += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

TEST(Compare, LabelsAreMadeUnique) {
  const auto reports = three_reports();
  EXPECT_EQ(reports[0].label, "tiny-moe");
  EXPECT_EQ(reports[1].label, "b");
  EXPECT_EQ(reports[2].label, "c_run");
}

TEST(Compare, DeltaPairedTestFlipsAndMarkers) {
  const Comparison c = comparison();
  const AccuracyRow& dropped = row(c, "my_task%");
  ASSERT_EQ(dropped.cells.size(), 3u);
  const AccuracyCell& b = dropped.cells[1];
  ASSERT_TRUE(b.test);
  EXPECT_EQ(b.test->test, "mcnemar-exact");
  EXPECT_EQ(b.test->flips->one_to_zero, 40);
  EXPECT_EQ(b.test->flips->zero_to_one, 5);
  EXPECT_NEAR(*b.delta, -35.0 / 200.0, 1e-12);
  EXPECT_TRUE(b.significant);
  EXPECT_FALSE(b.fingerprint_differs);
  ASSERT_TRUE(b.delta_ci);
  EXPECT_LT(b.delta_ci->second, 0);
  EXPECT_TRUE(dropped.cells[2].fingerprint_differs);
  EXPECT_FALSE(row(c, "other").cells[1].significant);
  EXPECT_FALSE(row(c, "other").cells[2].present);
}

TEST(Compare, SubtaskRowsPairOnlyTheirItems) {
  const Comparison c = comparison(CompareDetail::subtasks);
  const AccuracyRow& sub = row(c, "my_task%/sub1");
  ASSERT_TRUE(sub.cells[1].test);
  EXPECT_EQ(sub.cells[1].test->pairs, 50u);
}

TEST(Compare, SpeedRowsPairOnTheKeyWithTheRelativeChange) {
  const Comparison c = comparison();
  ASSERT_EQ(c.speed_columns.size(), 2u);  // the third report has no speed rows, so no column
  bool found = false;
  for (const SpeedComparisonRow& r : c.speed) {
    if (r.measure != "decode_tok_s") continue;
    found = true;
    EXPECT_NEAR(*r.cells[1].relative_change, -0.10, 1e-12);
  }
  EXPECT_TRUE(found);
}

TEST(Compare, RulerScoreGroupedByLengthSuffix) {
  const Comparison c = comparison();
  std::map<std::pair<size_t, int64_t>, double> points;
  for (const RulerPoint& p : c.ruler) points[{p.report, p.length}] = p.score;
  EXPECT_NEAR((points.at({0, 4096})), 0.8, 1e-12);  // (0.9 + 0.7) / 2 with equal n
  EXPECT_NEAR((points.at({0, 8192})), 0.6, 1e-12);
  EXPECT_NEAR((points.at({1, 8192})), 0.4, 1e-12);
  EXPECT_EQ(split_length_suffix("niah_single_1@32768")->second, 32768);
  EXPECT_FALSE(split_length_suffix("no_length"));
  EXPECT_FALSE(split_length_suffix("x@abc"));
}

TEST(CompareFormats, MarkdownRowsHaveTheHeaderColumnCount) {
  const std::string md = render_markdown(comparison());
  std::istringstream lines(md);
  std::string line;
  size_t header_pipes = 0, table_lines = 0;
  bool in_accuracy = false;
  while (std::getline(lines, line)) {
    if (line == "## Accuracy") in_accuracy = true;
    else if (line.rfind("## ", 0) == 0) in_accuracy = false;
    if (!in_accuracy || line.empty() || line[0] != '|') continue;
    size_t pipes = 0;
    for (size_t i = 0; i < line.size(); ++i) pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    if (header_pipes == 0) header_pipes = pipes;
    EXPECT_EQ(pipes, header_pipes) << line;
    ++table_lines;
  }
  EXPECT_GE(table_lines, 4u);
  EXPECT_NE(md.find("†"), std::string::npos);
  EXPECT_NE(md.find("\\*"), std::string::npos);  // the significance marker, escaped
  EXPECT_NE(md.find("+5/-40"), std::string::npos);
}

TEST(CompareFormats, CsvHasAConstantColumnCountAndQuotes) {
  const std::string csv = render_csv(comparison(CompareDetail::subtasks));
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  const size_t columns = csv_split(line).size();
  size_t rows = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(csv_split(line).size(), columns) << line;
    ++rows;
  }
  EXPECT_GT(rows, 10u);
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_split(csv_field("x,\"y\"")), std::vector<std::string>{"x,\"y\""});
}

TEST(CompareFormats, LatexEscapesSpecialCharacters) {
  EXPECT_EQ(escape_latex("my_task 50% & $x# {y} ~^\\"),
            "my\\_task 50\\% \\& \\$x\\# \\{y\\} \\textasciitilde{}\\textasciicircum{}\\textbackslash{}");
  const std::string tex = render_latex(comparison());
  EXPECT_NE(tex.find("my\\_task\\%"), std::string::npos);
  EXPECT_EQ(tex.find("my_task%"), std::string::npos);
  EXPECT_NE(tex.find("\\begin{tabular}"), std::string::npos);
  EXPECT_NE(tex.find("$^{\\dagger}$"), std::string::npos);
  // Every body row of the first table has as many cells as the column spec.
  const std::smatch spec = [&] {
    std::smatch m;
    std::regex_search(tex, m, std::regex("\\\\begin\\{tabular\\}\\{([lr]+)\\}"));
    return m;
  }();
  const size_t columns = spec[1].str().size();
  std::istringstream lines(tex.substr(0, tex.find("\\bottomrule")));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() < 3 || line.substr(line.size() - 2) != "\\\\") continue;
    size_t ampersands = 0;
    for (size_t i = 0; i < line.size(); ++i) ampersands += line[i] == '&' && (i == 0 || line[i - 1] != '\\');
    EXPECT_EQ(ampersands + 1, columns) << line;
  }
}

TEST(CompareFormats, HtmlIsSelfContainedWithSvgCharts) {
  const std::string html = render_html(comparison());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  size_t svgs = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++svgs;
  EXPECT_EQ(svgs, 7u);  // two delta charts, RULER, prefill and decode per shape, offload throughput and overhead
  size_t closes = 0;
  for (size_t at = html.find("</svg>"); at != std::string::npos; at = html.find("</svg>", at + 1)) ++closes;
  EXPECT_EQ(closes, svgs);
  EXPECT_NE(html.find("class=\"whisker\""), std::string::npos);
  EXPECT_NE(html.find("<polyline"), std::string::npos);
  EXPECT_NE(html.find("my_task%"), std::string::npos);
  EXPECT_EQ(escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST(CompareCharts, EmptyChartSaysSo) {
  LineChart chart;
  chart.series = {{"s", {}}};
  const std::string svg = svg_line_chart(chart);
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(CompareInput, BadFieldsNameFileAndField) {
  auto report = make_report("m", {{"t", make_task("t", "acc,none", {1, 0, 1})}});
  report["tasks"]["t"]["items"]["metrics"]["acc,none"] = {1, 0};
  try {
    parse_report(report, "bad.json");
    FAIL() << "no error";
  } catch (const ReportInputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json: field tasks.t.items.metrics.acc,none"), std::string::npos) << e.what();
  }
  auto wrong_version = make_report("m", nlohmann::json::object());
  wrong_version["schema_version"] = "2.0";
  EXPECT_THROW(parse_report(wrong_version, "v.json"), ReportInputError);
  auto no_tasks = make_report("m", nlohmann::json::object());
  no_tasks.erase("tasks");
  EXPECT_THROW(parse_report(no_tasks, "n.json"), ReportInputError);
}

}  // namespace
}  // namespace engram::report
