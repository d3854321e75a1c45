// Reading reports: the fixtures load; a newer MINOR is accepted with its unknown fields ignored; a
// newer MAJOR, the wrong kind, non-JSON and invalid reports are refused with the file and field named.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "harness/report/report_reader.h"
#include "harness/report/report_version.h"
#include "report_test_util.h"

namespace engram::report {
namespace {

using nlohmann::json;

std::filesystem::path fixture(const std::string& name) {
  return ::engram::testing::source_dir() / "tests" / "report" / "report_fixtures" / (name + ".json");
}

// The message of the ReportReadError that parse_report throws for `text`.
std::string read_error(const std::string& text) {
  try {
    parse_report(text, "runs/r.json");
  } catch (const ReportReadError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string with(const std::string& field, const json& value) {
  json report = ::engram::testing::read_json(fixture("baseline"));
  report[field] = value;
  return report.dump();
}

TEST(SchemaVersion, ParsesMajorDotMinorOnly) {
  ASSERT_TRUE(SchemaVersion::parse("1.0"));
  EXPECT_EQ(SchemaVersion::parse("1.0")->major, 1);
  EXPECT_EQ(SchemaVersion::parse("12.34")->minor, 34);
  EXPECT_EQ(SchemaVersion::parse("2.10")->to_string(), "2.10");
  for (const char* bad : {"", "1", "1.", ".1", "1.0.0", "v1.0", "01.0", "1.00", "1.-1", "-1.0", "+1.0", "1.0 ", "a.b"}) {
    EXPECT_FALSE(SchemaVersion::parse(bad)) << bad;
  }
  EXPECT_TRUE((SchemaVersion{1, 7}.readable_by(kReportSchemaVersion)));
  EXPECT_FALSE((SchemaVersion{2, 0}.readable_by(kReportSchemaVersion)));
}

TEST(ReportReader, ReadsTheFixtures) {
  const LoadedReport baseline = read_report(fixture("baseline"));
  EXPECT_EQ(baseline.origin, fixture("baseline").string());
  EXPECT_EQ(baseline.version.to_string(), "1.0");
  EXPECT_FALSE(baseline.newer_minor());
  EXPECT_EQ(baseline.json["tasks"].size(), 2u);
  EXPECT_EQ(read_report(fixture("current_drop")).json["kind"], "engram-bench-report");
}

TEST(ReportReader, AcceptsANewerMinorVersionAndKeepsUnknownFieldsForThoseWhoKnowThem) {
  const LoadedReport noise = read_report(fixture("current_noise"));
  EXPECT_EQ(noise.version.to_string(), "1.1");
  EXPECT_TRUE(noise.newer_minor());
  EXPECT_TRUE(noise.json.contains("energy"));
  EXPECT_NO_THROW(parse_report(with("schema_version", "1.99"), "r.json"));
}

TEST(ReportReader, RefusesANewerMajorVersion) {
  EXPECT_EQ(read_error(with("schema_version", "2.0")),
            "runs/r.json: schema_version: 2.0 is newer than this build reads (1.x); use a newer engram-bench");
  EXPECT_EQ(read_error(with("schema_version", "0.9")),
            "runs/r.json: schema_version: 0.9 is older than this build reads (1.x)");
  EXPECT_EQ(read_error(with("schema_version", "one")), "runs/r.json: schema_version: \"one\" is not \"MAJOR.MINOR\"");
  EXPECT_EQ(read_error(with("schema_version", 1.0)),
            "runs/r.json: schema_version: expected a \"MAJOR.MINOR\" string, got 1.0");
  json missing = ::engram::testing::read_json(fixture("baseline"));
  missing.erase("schema_version");
  EXPECT_EQ(read_error(missing.dump()), "runs/r.json: schema_version: missing");
}

TEST(ReportReader, RefusesOtherKindsOfFile) {
  EXPECT_EQ(read_error(with("kind", "lm-eval-results")),
            "runs/r.json: kind: expected \"engram-bench-report\", got \"lm-eval-results\"");
  const json evaluation = {{"schema", "engram-bench/task-eval/1"}, {"results", json::object()}};
  EXPECT_EQ(read_error(evaluation.dump()),
            "runs/r.json: kind: missing; this looks like a \"engram-bench/task-eval/1\" file (engram-bench eval output), "
            "not a report");
  EXPECT_EQ(read_error("{}"), "runs/r.json: kind: missing; expected \"engram-bench-report\"");
  EXPECT_EQ(read_error("[1, 2]"), "runs/r.json: expected a JSON object, got array");
}

TEST(ReportReader, RefusesTextThatIsNotJson) {
  const std::string message = read_error("{\n  \"kind\": \"engram-bench-report\",\n  \"schema_version\": 1.0.0\n}");
  EXPECT_EQ(message.rfind("runs/r.json: not JSON (line 3, column ", 0), 0u) << message;
  EXPECT_NE(read_error("").find("runs/r.json: not JSON"), std::string::npos);
}

TEST(ReportReader, RefusesAnInvalidReportNamingTheField) {
  json report = ::engram::testing::read_json(fixture("baseline"));
  report["tasks"]["mmlu"]["metrics"]["acc,none"]["value"] = 1.7;
  report["context"].erase("host");
  const std::string message = read_error(report.dump());
  EXPECT_EQ(message,
            "runs/r.json: not a valid report (report-v1.schema.json):\n"
            "runs/r.json: /context: missing required property \"host\"\n"
            "runs/r.json: /tasks/mmlu/metrics/acc,none/value: 1.7 is above maximum 1");
}

TEST(ReportReader, MissingFileIsNamed) {
  try {
    read_report("/nonexistent/engram/report.json");
    FAIL();
  } catch (const ReportReadError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/engram/report.json: cannot open: No such file or directory");
  }
}

TEST(ReportReader, RoundTripsAWrittenReport) {
  tasks::testing::ScratchDir dir;
  const std::string path = (dir.path() / "r.json").string();
  std::ofstream(path) << ::engram::testing::read_json(fixture("current_drop")).dump(2);
  const LoadedReport loaded = read_report(path);
  EXPECT_EQ(loaded.json, ::engram::testing::read_json(fixture("current_drop")));
}

}  // namespace
}  // namespace engram::report
