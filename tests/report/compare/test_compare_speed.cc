// Speed rows of two models pair on the workload shape (the model is the column) in every format;
// intervals from the raw repetitions match SciPy (tests/data/report/interval_cases.json, made by
// scripts/gen_interval_cases.py); the page carries each report's caveats.
#include <gtest/gtest.h>

#include <regex>

#include <nlohmann/json.hpp>

#include "../../cli_runner.h"
#include "../../test_support.h"
#include "harness/report/compare_charts.h"
#include "harness/report/compare_format.h"
#include "harness/report/compare_intervals.h"
#include "harness/report/compare_table.h"
#include "harness/report/html_page.h"
#include "compare_fixtures.h"

namespace engram::report {
namespace {

using testing::make_report;
using testing::make_speed_row;
using testing::run_engram_bench;
using testing::scratch_dir;
using testing::write_json;

nlohmann::json interval_cases() { return testing::read_json(testing::source_dir() / "tests/data/report/interval_cases.json"); }

// Two rows (batch 1 and 4) of one model; decode throughput scaled by `speed`.
nlohmann::json model_report(const std::string& model, double speed) {
  nlohmann::json one = make_speed_row(model, 100.0 * speed), four = make_speed_row(model, 320.0 * speed);
  one["batch"] = 1;
  if (model.find("engram") == std::string::npos) {
    one["engram_table"] = four["engram_table"] = nullptr;  // as the sweep writes a model without Engram
  }
  return make_report(model, nlohmann::json::object(), {one, four});
}

Comparison two_models() {
  std::vector<LoadedReport> reports = {parse_report(model_report("tiny-dense", 1.0), "dense.json"),
                                       parse_report(model_report("tiny-engram", 0.9), "engram.json")};
  make_labels_unique(reports);
  return compare_reports(reports);
}

TEST(CompareSpeed, TwoModelsMeetOnTheWorkloadShape) {
  const Comparison c = two_models();
  ASSERT_EQ(c.speed_columns.size(), 2u);
  EXPECT_EQ(c.speed_columns[0].label, "tiny-dense");
  EXPECT_EQ(c.speed_columns[1].label, "tiny-engram");
  size_t decode_rows = 0;
  for (const SpeedComparisonRow& row : c.speed) {
    EXPECT_EQ(row.key.find("model"), std::string::npos) << row.key;
    ASSERT_EQ(row.cells.size(), 2u);
    EXPECT_TRUE(row.cells[0].present && row.cells[1].present) << row.key << " " << row.measure;
    if (row.measure != "decode_tok_s") continue;
    ++decode_rows;
    EXPECT_NEAR(*row.cells[1].relative_change, -0.10, 1e-12);
  }
  EXPECT_EQ(decode_rows, 2u);  // batch 1 and batch 4, not four half-empty rows
}

TEST(CompareSpeed, EveryFormatShowsBothModelsInOneRow) {
  const Comparison c = two_models();
  const std::string md = render_markdown(c);
  const std::regex md_row(R"(\| batch=4 [^|]*workload=sweep \| decode_tok_s \| 320\.0 ± 1\.0 sd \| 288\.0 ± 1\.0 sd \| -10\.0% \|)");
  EXPECT_TRUE(std::regex_search(md, md_row)) << md;
  const std::string csv = render_csv(c);
  EXPECT_NE(csv.find("speed,tiny-dense,batch=4 prompt_tokens=128"), std::string::npos) << csv;
  EXPECT_NE(csv.find("speed,tiny-engram,batch=4 prompt_tokens=128"), std::string::npos) << csv;
  const std::string tex = render_latex(c);
  EXPECT_NE(tex.find("decode\\_tok\\_s & 320.0 ± 1.0 sd & 288.0 ± 1.0 sd & -10.0\\%"), std::string::npos) << tex;
  const std::string html = render_html(c);
  EXPECT_NE(html.find("<td>320.0 ± 1.0 sd</td><td>288.0 ± 1.0 sd</td><td>-10.0%</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("decode_tok_s per workload shape"), std::string::npos);
}

TEST(CompareSpeed, CliTerminalTablePairsTwoModels) {
  const auto dir = scratch_dir("speed");
  const std::string dense = write_json(dir / "dense.json", model_report("tiny-dense", 1.0));
  const std::string engram = write_json(dir / "engram.json", model_report("tiny-engram", 0.9));
  const auto [code, out] = run_engram_bench("compare " + dense + " " + engram, false);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("| decode_tok_s | 100.0 ± 1.0 sd | 90.0 ± 1.0 sd | -10.0% |"), std::string::npos) << out;
}

TEST(CompareSpeed, SameModelInTwoReportsTakesTheReportLabels) {
  std::vector<LoadedReport> reports = {parse_report(model_report("tiny", 1.0), "before.json"),
                                       parse_report(model_report("tiny", 1.0), "after.json")};
  make_labels_unique(reports);
  const Comparison c = compare_reports(reports);
  ASSERT_EQ(c.speed_columns.size(), 2u);
  EXPECT_EQ(c.speed_columns[0].label, "before");
  EXPECT_EQ(c.speed_columns[1].label, "after");
}

TEST(CompareIntervals, StudentQuantilesMatchScipy) {
  for (const auto& q : interval_cases()["quantiles"]) {
    EXPECT_NEAR(student_t_quantile(q["confidence"], q["df"]), q["t"].get<double>(), 1e-9 * q["t"].get<double>()) << q.dump();
  }
  EXPECT_THROW(student_t_quantile(0.95, 0.5), std::invalid_argument);
  EXPECT_FALSE(mean_interval({1.0}));
}

TEST(CompareIntervals, SpeedRowIntervalsFromRawRepetitionsMatchScipy) {
  const nlohmann::json ref = interval_cases()["speed_row"];
  nlohmann::json row = make_speed_row("tiny", ref["decode_tok_s"]);
  for (const char* field : {"batch", "prompt_tokens", "gen_tokens", "repetitions", "prefill_tok_s", "output_tok_s"}) row[field] = ref[field];
  row["samples"] = {{"prefill_s", ref["prefill_s"]}, {"decode_s", ref["decode_s"]}};
  const LoadedReport report = parse_report(make_report("tiny", nlohmann::json::object(), {row}), "r.json");
  const SpeedRow& parsed = report.speed.at(0);
  for (const auto& [measure, expected] : ref["intervals"].items()) {
    ASSERT_TRUE(parsed.throughput_interval.count(measure)) << measure;
    EXPECT_NEAR(parsed.throughput_interval.at(measure).first, expected[0].get<double>(), 1e-9 * expected[0].get<double>());
    EXPECT_NEAR(parsed.throughput_interval.at(measure).second, expected[1].get<double>(), 1e-9 * expected[1].get<double>());
  }
  const std::string md = render_markdown(compare_reports({report}));
  EXPECT_NE(md.find("| decode_tok_s | 317.7 [303.4, 332.1] |"), std::string::npos) << md;
  // Samples that do not reproduce the row's rate (5% off) give no interval, not one beside the number.
  row["decode_tok_s"] = 1.05 * ref["decode_tok_s"].get<double>();
  const LoadedReport off = parse_report(make_report("tiny", nlohmann::json::object(), {row}), "r.json");
  EXPECT_FALSE(off.speed.at(0).throughput_interval.count("decode_tok_s"));
  EXPECT_TRUE(off.speed.at(0).throughput_interval.count("prefill_tok_s"));
}

TEST(CompareIntervals, OffloadOverheadIntervalIsPairedPerRepetition) {
  const nlohmann::json ref = interval_cases()["offload_run"];
  nlohmann::json report = make_report("tiny-engram", nlohmann::json::object());
  nlohmann::json run = {{"tier", "host"}, {"table_parameters", 1e6}, {"table_bytes", 4e6}, {"tok_s", 2000.0}, {"overhead_pct", -5.0}};
  for (const char* field : {"batch", "prompt_tokens", "gen_tokens"}) run[field] = ref[field];
  run["samples"] = {{"device_s", ref["device_s"]}, {"offloaded_s", ref["offloaded_s"]}};
  report["offload"] = {{"runs", {run}}};
  const LoadedReport parsed = parse_report(report, "r.json");
  const OffloadRun& r = parsed.offload.at(0);
  ASSERT_TRUE(r.overhead_pct_interval && r.tok_s_interval);
  EXPECT_NEAR(r.overhead_pct_interval->first, ref["overhead_pct_interval"][0].get<double>(), 1e-9);
  EXPECT_NEAR(r.overhead_pct_interval->second, ref["overhead_pct_interval"][1].get<double>(), 1e-9);
  EXPECT_NEAR(r.tok_s_interval->first, ref["tok_s_interval"][0].get<double>(), 1e-6);
  EXPECT_NEAR(r.tok_s_interval->second, ref["tok_s_interval"][1].get<double>(), 1e-6);
  // The chart draws the whisker; the same run without samples is a hollow point, not a bare one.
  const std::string with = svg_line_chart(offload_overhead_chart(compare_reports({parsed})));
  EXPECT_NE(with.find("class=\"whisker\""), std::string::npos);
  run.erase("samples");
  report["offload"] = {{"runs", {run}}};
  const std::string without = svg_line_chart(offload_overhead_chart(compare_reports({parse_report(report, "r.json")})));
  EXPECT_EQ(without.find("class=\"whisker\""), std::string::npos);
  EXPECT_NE(without.find("fill=\"white\""), std::string::npos);
  EXPECT_NE(without.find("no repetitions in the report"), std::string::npos);
}

TEST(CompareCaveats, PageAndMarkdownCarryEachReportsCaveats) {
  nlohmann::json report = make_report("tiny-engram", {{"bbh", testing::make_task("bbh", "exact_match,get-answer", {1, 0, 1, 0})}});
  report["model"]["weights_seed"] = 0;
  report["skipped"] = {{{"task", "ruler:qa_1"}, {"reason", "squad.json not found in DATA_DIR/ruler"}}};
  report["tasks"]["bbh"]["protocol_overrides"] = {{"max_new_tokens", 64}};
  const Comparison c = compare_reports({parse_report(report, "r.json")});
  const std::string html = render_html(c);
  EXPECT_NE(html.find("<h2>Caveats</h2>"), std::string::npos);
  EXPECT_LT(html.find("<h2>Caveats</h2>"), html.find("<h2>Accuracy</h2>"));  // read before the numbers
  EXPECT_NE(html.find("random weights (seed 0): accuracy is at chance level"), std::string::npos) << html;
  EXPECT_NE(html.find("skipped ruler:qa_1: squad.json not found in DATA_DIR/ruler"), std::string::npos);
  EXPECT_NE(html.find("bbh: protocol overridden (max_new_tokens = 64)"), std::string::npos);
  const std::string md = render_markdown(c);
  EXPECT_NE(md.find("## Caveats"), std::string::npos);
  EXPECT_NE(md.find("random weights (seed 0)"), std::string::npos);
  // One line per caveat, naming every report it applies to.
  std::vector<LoadedReport> both = {parse_report(report, "a.json"), parse_report(report, "b.json")};
  make_labels_unique(both);
  const auto grouped = grouped_caveats(compare_reports(both));
  ASSERT_EQ(grouped.size(), 3u);
  EXPECT_EQ(grouped[0].first, "a, b");
  // A trained model's report without skips or overrides has none.
  EXPECT_EQ(render_html(compare_reports({parse_report(make_report("m", nlohmann::json::object()), "m.json")})).find("Caveats"),
            std::string::npos);
}

}  // namespace
}  // namespace engram::report
