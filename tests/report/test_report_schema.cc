// The report schema (results/schema/report-v1.schema.json) as embedded in the binary: it accepts the
// hand-made fixtures, which are full reports, and rejects broken reports at the right field.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "report_test_util.h"
#include "harness/report/report_checks.h"
#include "harness/report/report_schemas.h"

namespace engram::report {
namespace {

using nlohmann::json;

using testing::read_text;

std::filesystem::path fixtures_dir() { return ::engram::testing::source_dir() / "tests" / "report" / "report_fixtures"; }

json baseline() { return ::engram::testing::read_json(fixtures_dir() / "baseline.json"); }

std::vector<std::string> problems(const json& report) {
  std::vector<std::string> out;
  for (const SchemaViolation& v : validate_report(report)) out.push_back(v.to_string());
  return out;
}

TEST(ReportSchema, EmbeddedTextIsTheFileInTheSourceTree) {
  EXPECT_EQ(report_schema_text(), read_text(::engram::testing::source_dir() / "results" / "schema" / "report-v1.schema.json"));
  EXPECT_EQ(sample_schema_text(), read_text(::engram::testing::source_dir() / "results" / "schema" / "sample-v1.schema.json"));
}

TEST(ReportSchema, SchemasUseOnlyImplementedKeywords) {
  // Building the validators would throw on any keyword that would go unchecked.
  EXPECT_NO_THROW(report_schema_validator());
  EXPECT_NO_THROW(sample_schema_validator());
  EXPECT_EQ(report_schema_validator().schema()["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

TEST(ReportSchema, AcceptsEveryFixture) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures_dir())) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    EXPECT_EQ(problems(::engram::testing::read_json(entry.path())), std::vector<std::string>{}) << entry.path();
  }
  EXPECT_GE(count, 3u);
}

TEST(ReportSchema, RejectsMissingSchemaVersion) {
  json report = baseline();
  report.erase("schema_version");
  EXPECT_EQ(problems(report), std::vector<std::string>{"(root): missing required property \"schema_version\""});
}

TEST(ReportSchema, RejectsAMetricValueAboveOne) {
  json report = baseline();
  report["tasks"]["mmlu"]["metrics"]["acc,none"]["value"] = 1.7;
  EXPECT_EQ(problems(report), std::vector<std::string>{"/tasks/mmlu/metrics/acc,none/value: 1.7 is above maximum 1"});
}

TEST(ReportSchema, RejectsWrongTypes) {
  json report = baseline();
  report["context"]["threads"] = "2";
  report["tasks"]["bbh_cot_fewshot"]["n"] = -1;
  report["model"]["family"] = "transformer";
  report["kind"] = "engram-bench/task-eval/1";
  EXPECT_EQ(problems(report),
            (std::vector<std::string>{
                "/context/threads: expected integer, got string \"2\"",
                "/kind: expected \"engram-bench-report\", got \"engram-bench/task-eval/1\"",
                "/model/family: \"transformer\" is not one of [\"engram\",\"moe\",\"dense\",\"replay\",\"oracle\"]",
                "/tasks/bbh_cot_fewshot/n: -1 is below minimum 0"}));
}

TEST(ReportSchema, RejectsBadHashesVersionsAndTimes) {
  json report = baseline();
  report["schema_version"] = "1";
  report["created"] = "2026-11-30 09:30:00";
  report["tasks"]["mmlu"]["fingerprint"] = "ABC";
  report["model"]["checkpoint_sha256"] = "not-hex";
  const std::vector<SchemaViolation> violations = validate_report(report);
  std::vector<std::string> pointers;
  for (const SchemaViolation& v : violations) pointers.push_back(v.instance_pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/created", "/model/checkpoint_sha256", "/schema_version",
                                                "/tasks/mmlu/fingerprint"}));
}

TEST(ReportSchema, NullableSectionsAndIntervals) {
  json report = baseline();
  report["speed"] = nullptr;
  report["offload"] = nullptr;
  report["samples_log"] = nullptr;
  report["tasks"]["mmlu"]["items"] = nullptr;
  report["tasks"]["mmlu"]["metrics"]["acc,none"]["stderr"] = nullptr;
  report["tasks"]["mmlu"]["metrics"]["acc,none"]["ci95"] = nullptr;
  EXPECT_EQ(problems(report), std::vector<std::string>{});

  report["tasks"]["mmlu"]["metrics"]["acc,none"]["ci95"] = {0.1, 0.2, 0.3};
  EXPECT_EQ(problems(report),
            std::vector<std::string>{"/tasks/mmlu/metrics/acc,none/ci95: has 3 items; at most 2 are allowed"});
  report["speed"] = {{"fields", json::array()}, {"rows", {{{"model", "m"}}}}};
  report["tasks"]["mmlu"]["metrics"]["acc,none"].erase("ci95");
  const std::vector<SchemaViolation> violations = validate_report(report);
  ASSERT_FALSE(violations.empty());
  EXPECT_EQ(violations.back().instance_pointer, "/tasks/mmlu/metrics/acc,none");
  EXPECT_EQ(violations.back().message, "missing required property \"ci95\"");
  EXPECT_EQ(violations.front().instance_pointer, "/speed");
  EXPECT_EQ(violations.front().keyword, "anyOf");
}

TEST(ReportSchema, UnknownFieldsAreAccepted) {
  json report = baseline();
  report["a_future_section"] = {{"x", 1}};
  report["context"]["numa_nodes"] = 2;
  report["tasks"]["mmlu"]["metrics"]["acc,none"]["median"] = 0.5;
  EXPECT_EQ(problems(report), std::vector<std::string>{});
}

TEST(ReportConsistency, CrossFieldRules) {
  json report = baseline();
  report["tasks"]["mmlu"]["primary_metric"] = "exact_match,none";
  report["tasks"]["mmlu"]["items"]["ids"][1] = report["tasks"]["mmlu"]["items"]["ids"][0];
  report["tasks"]["bbh_cot_fewshot"]["items"]["metrics"]["exact_match,get-answer"].erase(0);
  report["tasks"]["bbh_cot_fewshot"]["metrics"]["exact_match,get-answer"]["ci95"] = {0.9, 1.0};
  EXPECT_EQ(problems(report),
            (std::vector<std::string>{
                "/tasks/bbh_cot_fewshot/metrics/exact_match,get-answer/ci95: interval [0.9,1.0] does not contain the "
                "value 0.6",
                "/tasks/bbh_cot_fewshot/items/metrics/exact_match,get-answer: has 39 values for 40 ids",
                "/tasks/mmlu/primary_metric: \"exact_match,none\" is not one of the task's metrics",
                "/tasks/mmlu/items/ids/1: id \"abstract_algebra/0\" appears more than once"}));
}

}  // namespace
}  // namespace engram::report
