// The report builder and writer: 95 % intervals, per-item values from samples, a full report from a
// real evaluator output that passes the schema, and validation before an atomic write.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include <nlohmann/json.hpp>

#include "harness/report/report.h"
#include "harness/report/report_checks.h"
#include "harness/report/report_version.h"
#include "report_test_util.h"

namespace engram::report {
namespace {

using nlohmann::json;

TEST(ConfidenceInterval, ValuePlusMinusTwoStandardErrorsClampedToUnitRange) {
  const auto middle = confidence_interval_95(0.5, 0.1);
  ASSERT_TRUE(middle);
  EXPECT_DOUBLE_EQ((*middle)[0], 0.5 - 0.196);
  EXPECT_DOUBLE_EQ((*middle)[1], 0.5 + 0.196);
  const auto high = confidence_interval_95(0.95, 0.05);
  ASSERT_TRUE(high);
  EXPECT_DOUBLE_EQ((*high)[0], 0.95 - 0.098);
  EXPECT_EQ((*high)[1], 1.0);
  const auto low = confidence_interval_95(0.0, 0.0);
  ASSERT_TRUE(low);
  EXPECT_EQ((*low)[0], 0.0);
  EXPECT_EQ((*low)[1], 0.0);
  EXPECT_FALSE(confidence_interval_95(0.5, nullptr));
  EXPECT_FALSE(confidence_interval_95(nullptr, 0.1));
  EXPECT_FALSE(confidence_interval_95(0.5, std::numeric_limits<double>::quiet_NaN()));
}

TEST(ConfidenceInterval, AddedToEveryMetric) {
  json metrics = {{"acc,none", {{"value", 0.25}, {"stderr", 0.05}}}, {"acc,norm", {{"value", 0.5}, {"stderr", nullptr}}}};
  add_confidence_intervals(metrics);
  EXPECT_NEAR(metrics["acc,none"]["ci95"][0].get<double>(), 0.152, 1e-12);
  EXPECT_NEAR(metrics["acc,none"]["ci95"][1].get<double>(), 0.348, 1e-12);
  EXPECT_TRUE(metrics["acc,norm"]["ci95"].is_null());
}

TEST(Items, AlignedWithIdsAndNullWhereASampleHasNoValue) {
  const json metrics = {{"acc,none", json::object()}, {"acc_norm,none", json::object()}};
  const json samples = json::parse(R"([
    {"doc_id": "a/0", "metrics": {"acc,none": 1.0, "acc_norm,none": 0.0}},
    {"doc_id": "a/1", "metrics": {"acc,none": 0.0}},
    {"doc_id": "b/0", "metrics": {"acc,none": 1.0, "acc_norm,none": 1.0, "unlisted,none": 1.0}}
  ])");
  const json items = items_from_samples("t", metrics, samples);
  EXPECT_EQ(items["ids"], (json{"a/0", "a/1", "b/0"}));
  EXPECT_EQ(items["metrics"]["acc,none"], (json{1.0, 0.0, 1.0}));
  EXPECT_EQ(items["metrics"]["acc_norm,none"], (json{0.0, nullptr, 1.0}));
  EXPECT_FALSE(items["metrics"].contains("unlisted,none"));  // only the task's aggregated metrics
}

TEST(Items, DuplicateOrMissingIdsAreErrors) {
  const json metrics = {{"acc,none", json::object()}};
  try {
    items_from_samples("mmlu", metrics, json::parse(R"([{"doc_id": "x/0"}, {"doc_id": "x/0"}])"));
    FAIL() << "duplicate ids accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mmlu: doc_id \"x/0\" appears twice"), std::string::npos) << e.what();
  }
  EXPECT_THROW(items_from_samples("mmlu", metrics, json::parse(R"([{"metrics": {}}])")), std::invalid_argument);
}

class ReportFromEvaluation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { evaluation_ = new json(testing::synthetic_evaluation()); }
  static void TearDownTestSuite() {
    delete evaluation_;
    evaluation_ = nullptr;
  }
  static json* evaluation_;
};
json* ReportFromEvaluation::evaluation_ = nullptr;

TEST_F(ReportFromEvaluation, IsAValidReport) {
  const ReportContext context = testing::test_context();
  ReportExtras extras;
  extras.wall_seconds = 1.5;
  extras.eval_seconds = 1.25;
  extras.task_seconds = {{"mmlu", 0.5}};
  extras.skipped = json::array({json{{"task", "ruler:qa_1"}, {"reason", "squad.json not found"}}});
  const json report = make_report(context, testing::oracle_model_section(), testing::custom_config_section(),
                                  *evaluation_, extras);
  for (const SchemaViolation& v : validate_report(report)) ADD_FAILURE() << v.to_string();

  EXPECT_EQ(report["schema_version"], kReportSchemaVersion.to_string());
  EXPECT_EQ(report["schema_version"], "1.0");
  EXPECT_EQ(report["kind"], "engram-bench-report");
  EXPECT_EQ(report["created"], context.created);
  EXPECT_EQ(report["context"], context.to_json());
  EXPECT_EQ(report["tasks"].size(), 2u);
  EXPECT_FALSE(report.contains("samples"));
  EXPECT_TRUE(report["speed"].is_null());
  EXPECT_EQ(report["timings"]["wall_seconds"], 1.5);
  EXPECT_EQ(report["timings"]["eval_seconds"], 1.25);
  EXPECT_TRUE(report["timings"]["load_seconds"].is_null());
  EXPECT_EQ(report["tasks"]["mmlu"]["timings"]["seconds"], 0.5);
  EXPECT_FALSE(report["tasks"]["bbh_cot_fewshot"].contains("timings"));
  EXPECT_EQ(report["skipped"][0]["task"], "ruler:qa_1");
}

TEST_F(ReportFromEvaluation, KeepsTheEvaluatorsResultsAndAddsIntervals) {
  const json report = make_report(testing::test_context(), testing::oracle_model_section(),
                                  testing::custom_config_section(), *evaluation_);
  for (const auto& [name, task] : (*evaluation_)["results"].items()) {
    json stripped = report["tasks"][name];
    stripped.erase("items");
    // Everything the evaluator said is there unchanged, apart from the added intervals.
    for (auto& [key, metric] : stripped["metrics"].items()) metric.erase("ci95");
    for (const char* section : {"subtask_results", "groups"}) {
      if (!stripped.contains(section)) continue;
      for (auto& [part, result] : stripped[section].items()) {
        for (auto& [key, metric] : result["metrics"].items()) metric.erase("ci95");
      }
    }
    EXPECT_EQ(stripped, task) << name;
  }
  const json& bbh = report["tasks"]["bbh_cot_fewshot"];
  const json& metric = bbh["metrics"]["exact_match,get-answer"];
  const auto expected = confidence_interval_95(metric["value"], metric["stderr"]);
  ASSERT_TRUE(expected);
  EXPECT_EQ(metric["ci95"], json(*expected));
  EXPECT_TRUE(bbh["subtask_results"]["alpha"]["metrics"]["exact_match,get-answer"]["ci95"].is_array());
  EXPECT_TRUE(report["tasks"]["mmlu"]["groups"].begin().value()["metrics"]["acc,none"].contains("ci95"));
}

TEST_F(ReportFromEvaluation, ItemsComeFromTheSamples) {
  const json report = make_report(testing::test_context(), testing::oracle_model_section(),
                                  testing::custom_config_section(), *evaluation_);
  // The oracle answers even BBH documents right and odd ones wrong.
  const json& bbh = report["tasks"]["bbh_cot_fewshot"]["items"];
  EXPECT_EQ(bbh["ids"], (json{"alpha/0", "alpha/1", "alpha/2", "beta/0", "beta/1", "beta/2"}));
  EXPECT_EQ(bbh["metrics"]["exact_match,get-answer"], (json{1.0, 0.0, 1.0, 1.0, 0.0, 1.0}));
  // MMLU: one column per task metric, one value per sample, in the samples' order, and their mean
  // is the reported value.
  const json& mmlu = report["tasks"]["mmlu"];
  const json& samples = (*evaluation_)["samples"]["mmlu"];
  ASSERT_EQ(mmlu["items"]["ids"].size(), samples.size());
  ASSERT_EQ(mmlu["items"]["metrics"].size(), mmlu["metrics"].size());
  double sum = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(mmlu["items"]["ids"][i], samples[i]["doc_id"]);
    EXPECT_EQ(mmlu["items"]["metrics"]["acc,none"][i], samples[i]["metrics"]["acc,none"]);
    sum += mmlu["items"]["metrics"]["acc,none"][i].get<double>();
  }
  EXPECT_DOUBLE_EQ(sum / static_cast<double>(samples.size()), mmlu["metrics"]["acc,none"]["value"].get<double>());
}

TEST(ReportWithoutSamples, HasNullItemsAndIsValid) {
  const json evaluation = testing::synthetic_evaluation(/*log_samples=*/false);
  const json report = make_report(testing::test_context(), testing::oracle_model_section(),
                                  testing::custom_config_section(), evaluation);
  EXPECT_TRUE(report["tasks"]["mmlu"]["items"].is_null());
  EXPECT_TRUE(validate_report(report).empty());
}

TEST(MakeReport, RefusesSomethingThatIsNotEvaluatorOutput) {
  EXPECT_THROW(make_report(testing::test_context(), testing::oracle_model_section(), testing::custom_config_section(),
                           json{{"tasks", json::object()}}),
               std::invalid_argument);
}

TEST(WriteReport, ValidatesThenWritesAtomically) {
  tasks::testing::ScratchDir dir;
  const std::string path = (dir.path() / "oracle.json").string();
  json report = make_report(testing::test_context(), testing::oracle_model_section(), testing::custom_config_section(),
                            testing::synthetic_evaluation());
  write_report(path, report);
  EXPECT_EQ(::engram::testing::read_json(path), report);

  // An invalid report is refused with the file and field named, and the previous file is kept.
  json broken = report;
  broken["tasks"]["mmlu"]["metrics"]["acc,none"]["value"] = 1.7;
  try {
    write_report(path, broken);
    FAIL() << "an invalid report was written";
  } catch (const ReportValidationError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path + ": /tasks/mmlu/metrics/acc,none/value: 1.7 is above maximum 1"), std::string::npos)
        << message;
    ASSERT_EQ(e.violations().size(), 1u);
    EXPECT_EQ(e.violations()[0].keyword, "maximum");
  }
  EXPECT_EQ(::engram::testing::read_json(path), report);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temporary left behind
}

}  // namespace
}  // namespace engram::report
