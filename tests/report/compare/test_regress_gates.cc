// The gate's failure cases: whatever the baseline has and the current report lacks fails (exit 1)
// unless --allow-missing; a paper: reference is checked against the current's 95% interval. The
// reports are edited copies of tests/report/report_fixtures/baseline.json.
#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "../../cli_runner.h"
#include "../../test_support.h"
#include "harness/report/paper_reference.h"
#include "harness/report/regress.h"
#include "compare_fixtures.h"

namespace engram::report {
namespace {

using testing::make_binary_pair;
using testing::make_report;
using testing::make_task;
using testing::run_engram_bench;
using testing::scratch_dir;
using testing::write_json;

std::string fixture_path() { return (testing::source_dir() / "tests/report/report_fixtures/baseline.json").string(); }

nlohmann::json fixture_baseline() { return testing::read_json(fixture_path()); }

// A copy of the baseline fixture with one thing taken away.
struct GateCase {
  std::string name;
  std::function<void(nlohmann::json&)> remove;
  std::string kind, row, reason;  // the missing findings expected
  size_t missing = 1;             // a dropped speed row misses each of its measures
};

void PrintTo(const GateCase& c, std::ostream* out) { *out << c.name; }

const std::vector<GateCase>& gate_cases() {
  static const std::vector<GateCase> cases = {
      {"dropped_task", [](nlohmann::json& r) { r["tasks"].erase("mmlu"); }, "accuracy", "mmlu",
       "task missing from the current report"},
      {"dropped_speed_row", [](nlohmann::json& r) { r["speed"]["rows"].erase(1); }, "speed",
       "batch=4 prompt_tokens=128 gen_tokens=32 dtype=float32 device=cpu threads=2 engram_table=device workload=sweep",
       "no current speed row with this workload shape", 3},
      {"missing_item_vector", [](nlohmann::json& r) { r["tasks"]["bbh_cot_fewshot"]["items"] = nullptr; }, "accuracy",
       "bbh_cot_fewshot", "per-item values of exact_match,get-answer missing from the current report"},
      {"missing_speed_measure", [](nlohmann::json& r) { r["speed"]["rows"][0].erase("output_tok_s"); }, "speed",
       "batch=1 prompt_tokens=128 gen_tokens=32 dtype=float32 device=cpu threads=2 engram_table=device workload=sweep",
       "the current row has no output_tok_s"},
  };
  return cases;
}

class MissingFromCurrent : public ::testing::TestWithParam<GateCase> {
 protected:
  RegressResult gate(bool allow_missing) const {
    nlohmann::json current = fixture_baseline();
    GetParam().remove(current);
    RegressOptions options;
    options.allow_missing = allow_missing;
    options.bootstrap.resamples = 500;
    return regress(parse_report(fixture_baseline(), "baseline.json"), parse_report(current, "current.json"), options);
  }
  std::string write_current() const {
    nlohmann::json current = fixture_baseline();
    GetParam().remove(current);
    return write_json(scratch_dir("gates") / (GetParam().name + ".json"), current);
  }
};

TEST_P(MissingFromCurrent, FailsTheGateNamingTheRowAndWhy) {
  const RegressResult result = gate(false);
  EXPECT_TRUE(result.failed());
  EXPECT_EQ(result.count("missing"), GetParam().missing);
  for (const RegressFinding& f : result.findings) {
    if (f.verdict != "missing") {
      EXPECT_FALSE(f.fails) << f.row << " " << f.metric << ": " << f.reason;  // everything else is unchanged
      continue;
    }
    EXPECT_EQ(f.kind, GetParam().kind);
    EXPECT_EQ(f.row, GetParam().row);
    EXPECT_TRUE(f.fails);
    EXPECT_NE(f.reason.find(GetParam().reason), std::string::npos) << f.reason;
    EXPECT_NE(f.reason.find("--allow-missing"), std::string::npos) << f.reason;
  }
}

TEST_P(MissingFromCurrent, AllowMissingReportsButPasses) {
  const RegressResult result = gate(true);
  EXPECT_FALSE(result.failed());
  EXPECT_EQ(result.count("missing"), GetParam().missing);
  const std::string md = render_regress_markdown(result, "b", "c");
  EXPECT_NE(md.find("allowed by --allow-missing"), std::string::npos) << md;
}

TEST_P(MissingFromCurrent, CliExitsOneThenZeroWithAllowMissing) {
  const std::string args = "regress --baseline " + fixture_path() + " --current " + write_current() + " --bootstrap-resamples 500";
  auto [code, out] = run_engram_bench(args);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("missing from the current report and fail the gate"), std::string::npos) << out;
  EXPECT_NE(out.find(GetParam().reason), std::string::npos) << out;
  std::tie(code, out) = run_engram_bench(args + " --allow-missing");
  EXPECT_EQ(code, 0) << out;
}

INSTANTIATE_TEST_SUITE_P(Gate, MissingFromCurrent, ::testing::ValuesIn(gate_cases()),
                         [](const ::testing::TestParamInfo<GateCase>& info) { return info.param.name; });

TEST(RegressGate, AnUnchangedCopyPasses) {
  const auto cli = run_engram_bench("regress --baseline " + fixture_path() + " --current " +
                                    write_json(scratch_dir("gates") / "same.json", fixture_baseline()) + " --bootstrap-resamples 500");
  EXPECT_EQ(cli.first, 0) << cli.second;
  EXPECT_EQ(cli.second.find("missing"), std::string::npos) << cli.second;
}

TEST(RegressGate, MissingPrimaryMetricFails) {
  nlohmann::json current = fixture_baseline();
  nlohmann::json& mmlu = current["tasks"]["mmlu"];
  mmlu["metrics"] = {{"acc_norm,none", mmlu["metrics"]["acc,none"]}};
  mmlu["primary_metric"] = "acc_norm,none";
  mmlu["items"]["metrics"] = {{"acc_norm,none", mmlu["items"]["metrics"]["acc,none"]}};
  const RegressResult result = regress(parse_report(fixture_baseline(), "b.json"), parse_report(current, "c.json"));
  EXPECT_TRUE(result.failed());
  ASSERT_EQ(result.count("missing"), 1u);
  for (const RegressFinding& f : result.findings) {
    if (f.verdict == "missing") {
      EXPECT_NE(f.reason.find("primary metric acc,none missing"), std::string::npos) << f.reason;
    }
  }
}

// The paper's published value, from results/paper (the reference the test checks against).
double paper_value(const std::string& task) {
  const LoadedReport paper = load_paper_reference("paper:engram-27b", testing::source_dir() / "results" / "paper");
  return *paper.find_task(task)->metrics.begin()->second.value;
}

// 200 items with `right` of them 1 (an interval about +-7 points wide).
nlohmann::json task_scoring(const std::string& name, const std::string& metric, size_t right) {
  std::vector<double> values(200, 0.0);
  std::fill(values.begin(), values.begin() + static_cast<long>(right), 1.0);
  return make_task(name, metric, values);
}

TEST(RegressGate, PaperReferenceChecksItsValueAgainstTheCurrentInterval) {
  ASSERT_NEAR(paper_value("mmlu"), 0.604, 1e-12);
  ASSERT_NEAR(paper_value("bbh_cot_fewshot"), 0.559, 1e-12);
  const nlohmann::json tasks = {{"mmlu", task_scoring("mmlu", "acc,none", 120)},                          // 0.60: inside
                                {"bbh_cot_fewshot", task_scoring("bbh_cot_fewshot", "exact_match,get-answer", 20)}};  // 0.10
  const std::string current = write_json(scratch_dir("gates") / "vs_paper.json", make_report("engram-27b", tasks));
  auto [code, out] = run_engram_bench("regress --baseline paper:engram-27b --current " + current + " --format json");
  EXPECT_EQ(code, 1) << out;
  const nlohmann::json j = nlohmann::json::parse(out.substr(out.find('{')));
  std::map<std::string, nlohmann::json> rows;
  for (const auto& row : j["rows"]) rows[row["row"].get<std::string>()] = row;
  EXPECT_EQ(rows["mmlu"]["verdict"], "ok");
  EXPECT_EQ(rows["mmlu"]["test"], "reference-interval");
  EXPECT_TRUE(rows["mmlu"]["p_value"].is_null());
  EXPECT_NE(rows["mmlu"]["reason"].get<std::string>().find("no paired test possible"), std::string::npos);
  EXPECT_NE(rows["mmlu"]["reason"].get<std::string>().find("lies inside"), std::string::npos);
  EXPECT_EQ(rows["bbh_cot_fewshot"]["verdict"], "regression");
  EXPECT_LT(rows["bbh_cot_fewshot"]["current_ci95"][1].get<double>(), 0.559);
  EXPECT_EQ(rows["humaneval"]["verdict"], "missing");  // the paper has it, the current report does not
  EXPECT_EQ(rows["ruler"]["verdict"], "missing");
}

TEST(RegressGate, PaperReferencePassesWhenInsideAndMissingAllowed) {
  const nlohmann::json tasks = {{"mmlu", task_scoring("mmlu", "acc,none", 121)},
                                {"bbh_cot_fewshot", task_scoring("bbh_cot_fewshot", "exact_match,get-answer", 112)}};
  const std::string current = write_json(scratch_dir("gates") / "vs_paper_ok.json", make_report("engram-27b", tasks));
  auto [code, out] = run_engram_bench("regress --baseline paper:engram-27b --current " + current);
  EXPECT_EQ(code, 1) << out;  // humaneval and RULER are missing
  std::tie(code, out) = run_engram_bench("regress --baseline paper:engram-27b --current " + current + " --allow-missing");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("no paired test possible (a published reference has no per-item values)"), std::string::npos) << out;
}

TEST(RegressGate, BaselineWithoutItemsFallsBackToTheInterval) {
  const auto pair = make_binary_pair(200, 60, 0, 3);
  nlohmann::json base_task = make_task("mmlu", "acc,none", pair.a);
  base_task["items"] = nullptr;
  const RegressResult result = regress(parse_report(make_report("m", {{"mmlu", base_task}}), "b.json"),
                                       parse_report(make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.b)}}), "c.json"));
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].test, "reference-interval");
  EXPECT_EQ(result.findings[0].verdict, "regression");
  EXPECT_NE(result.findings[0].reason.find("the baseline has no per-item values"), std::string::npos);
}

}  // namespace
}  // namespace engram::report
