// `engram-bench run`, the main job, as a user runs it: the quick suite on the two tiny models, cut
// down with --tasks and --limit to one document of one subtask per benchmark, without the speed and
// offload measurements (--no-speed), so that it stays short.
// Every file it promises is there and valid: one report per model (schema-checked), its samples log
// (each record schema-checked, the count and SHA-256 the report names) and journal (one line per
// instance the report counts), comparison.md and comparison.html naming both models.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "harness/report/report_checks.h"
#include "harness/report/report_schemas.h"
#include "tasks/sha256.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tasks::testing::ScratchDir;

const char* const kModels[] = {"tiny-engram", "tiny-moe"};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "missing " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void expect_valid_samples_log(const fs::path& dir, const json& report) {
  const json& info = report["samples_log"];
  const std::string text = read_text(dir / info["path"].get<std::string>());
  EXPECT_EQ(tasks::sha256_hex(text), info["sha256"]);
  const std::vector<std::string> lines = lines_of(text);
  EXPECT_EQ(lines.size(), info["records"].get<size_t>());
  size_t expected_records = 0;
  for (const auto& [name, task] : report["tasks"].items()) expected_records += task["n"].get<size_t>();
  EXPECT_EQ(lines.size(), expected_records);
  for (const std::string& line : lines) {
    const auto problems = report::sample_schema_validator().validate(json::parse(line));
    EXPECT_TRUE(problems.empty()) << problems.front().to_string() << "\n" << line.substr(0, 300);
  }
}

void expect_valid_journal(const fs::path& journal, const json& report) {
  size_t instances = 0, model_records = 0;
  for (const std::string& line : lines_of(read_text(journal))) {
    const json entry = json::parse(line);
    (entry.contains("key") ? instances : model_records) += 1;
  }
  size_t documents = 0;
  for (const auto& [name, task] : report["tasks"].items()) documents += task["n"].get<size_t>();
  EXPECT_EQ(instances, documents) << journal;
  EXPECT_EQ(model_records, 1u) << journal;
  EXPECT_EQ(report["journal"]["reused"], 0);
}

TEST(CliRun, QuickSuiteOnTwoTinyModelsWritesEveryPromisedFile) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "bbh");
  ScratchDir dir;
  const auto [code, output] = testing::run_engram_bench(
      "run --suite quick --models tiny-engram,tiny-moe --tasks bbh:navigate,mmlu:anatomy,humaneval,ruler:niah_single_1 "
      "--limit 1 --no-speed --quiet --data-dir " + (testing::shared_dir() / "datasets").string() +
      " --output-dir " + dir.path().string());
  ASSERT_EQ(code, 0) << output;
  EXPECT_NE(output.find("random weights"), std::string::npos) << output;

  for (const std::string model : kModels) {
    const json report = testing::read_json(dir.path() / (model + ".json"));
    const auto problems = report::validate_report(report);
    EXPECT_TRUE(problems.empty()) << model << ": " << problems.front().to_string();
    EXPECT_EQ(report["model"]["spec"], model);
    EXPECT_EQ(report["config"]["suite"], "quick");
    EXPECT_EQ(report["config"]["limit"], 1);
    EXPECT_EQ(report["config"]["max_new_tokens"], 32);
    EXPECT_TRUE(report["skipped"].empty()) << report["skipped"].dump();
    for (const char* task : {"bbh_cot_fewshot", "mmlu", "humaneval", "ruler"}) {
      ASSERT_TRUE(report["tasks"].contains(task)) << model << " has no " << task;
      EXPECT_EQ(report["tasks"][task]["n"], 1) << model << " " << task;
    }
    expect_valid_samples_log(dir.path(), report);
    expect_valid_journal(dir.path() / (model + ".journal.jsonl"), report);
    // Speed and offload take minutes even on the quick suite: test_speed and test_engram_tiers cover them.
    EXPECT_TRUE(report["speed"].is_null()) << model << ": --no-speed";
  }

  const std::string markdown = read_text(dir.path() / "comparison.md");
  const std::string html = read_text(dir.path() / "comparison.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 100);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const std::string model : kModels) {
    EXPECT_NE(markdown.find(model), std::string::npos) << markdown;
    EXPECT_NE(html.find(model), std::string::npos) << model;
  }
  EXPECT_NE(markdown.find("mmlu"), std::string::npos) << markdown;
  EXPECT_NE(output.find(markdown.substr(0, 200)), std::string::npos) << "the comparison is printed too";
}

TEST(CliRun, UnknownTaskIsAnErrorNamingIt) {
  ScratchDir dir;
  const auto [code, output] = testing::run_engram_bench("run --tasks bbh,gsm8k --no-speed --quiet --output-dir " +
                                                        dir.path().string());
  EXPECT_NE(code, 0);
  EXPECT_NE(output.find("gsm8k"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir.path() / "tiny-engram.json"));
}

}  // namespace
}  // namespace engram
