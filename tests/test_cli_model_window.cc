// `engram-bench eval` on the model's own context window, as a user runs it: the window comes from
// the checkpoint's config.json unless --max-length sets it, prompts the engine cuts to it are
// counted per task (counts.truncated_prompts) and flagged per sample, and RULER lengths above it are
// listed as skipped with the reason instead of being evaluated on a cut prompt.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "harness/report/report_checks.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tasks::testing::ScratchDir;

std::string tied_model() { return "hf:" + (testing::source_dir() / "tests/data/models/tiny_llama_tied").string(); }

json eval_report(const std::string& arguments, const fs::path& report) {
  const std::string common =
      " --quiet --batch-size 2 --data-dir " + tasks::testing::datasets_dir().string() + " --output " + report.string();
  const auto [code, output] = testing::run_engram_bench("eval " + arguments + common);
  EXPECT_EQ(code, 0) << output;
  const json loaded = testing::read_json(report);
  const auto problems = report::validate_report(loaded);
  EXPECT_TRUE(problems.empty()) << problems.front().to_string();
  return loaded;
}

TEST(CliModelWindow, PromptsCutToMaxLengthAreCountedAndFlagged) {
  ENGRAM_REQUIRE_SHARED(tasks::testing::datasets_dir() / "mmlu");
  ScratchDir dir;
  const fs::path path = dir.path() / "cut.json";
  // Five-shot MMLU prompts run to hundreds of tokens: every one is cut to 64.
  const json report = eval_report("--model " + tied_model() + " --tasks mmlu:anatomy --limit 3 --max-length 64", path);
  const json& engine = report["model"]["engine"];
  EXPECT_EQ(engine["max_length"], 64);
  EXPECT_EQ(engine["context_window"], 512);
  EXPECT_EQ(engine["max_length_source"], "--max-length");
  EXPECT_EQ(report["tasks"]["mmlu"]["counts"]["truncated_prompts"], 3);
  EXPECT_EQ(report["tasks"]["mmlu"]["subtask_results"]["anatomy"]["counts"]["truncated_prompts"], 3);
  std::ifstream samples(dir.path() / "cut.samples.jsonl");
  std::string line;
  size_t flagged = 0;
  while (std::getline(samples, line)) {
    const json sample = json::parse(line);
    if (sample.contains("flags")) flagged += sample["flags"]["prompt_truncated"].get<bool>();
  }
  EXPECT_EQ(flagged, 3u);
}

TEST(CliModelWindow, TheWindowIsTheModelsAndRulerAboveItIsSkipped) {
  ENGRAM_REQUIRE_SHARED(tasks::testing::datasets_dir() / "ruler");
  ScratchDir dir;
  // config.json says 512: RULER's shortest length (1024) does not fit, so RULER is skipped whole.
  const json own = eval_report("--model " + tied_model() +
                                   " --tasks mmlu:anatomy,ruler:niah_single_1 --limit 1 --ruler-lengths 1024",
                               dir.path() / "own.json");
  EXPECT_EQ(own["model"]["engine"]["max_length"], 512);
  EXPECT_EQ(own["model"]["engine"]["max_length_source"], "model");
  EXPECT_FALSE(own["tasks"].contains("ruler"));
  ASSERT_EQ(own["skipped"].size(), 1u) << own["skipped"].dump();
  EXPECT_EQ(own["skipped"][0]["task"], "ruler");
  EXPECT_NE(own["skipped"][0]["reason"].get<std::string>().find("context window of 512"), std::string::npos);
  // Rescoring from the journal skips the same lengths: the window is the one the journal recorded.
  const json rescored = eval_report("--model " + tied_model() +
                                        " --tasks mmlu:anatomy,ruler:niah_single_1 --limit 1 --ruler-lengths 1024 --rescore",
                                    dir.path() / "own.json");
  EXPECT_EQ(rescored["skipped"], own["skipped"]);
  EXPECT_EQ(rescored["tasks"]["mmlu"]["metrics"], own["tasks"]["mmlu"]["metrics"]);

  // A preset's window is its config's 4096: 1024 runs, 8192 is listed as skipped with the reason.
  const json preset = eval_report("--model tiny-dense --tasks ruler:niah_single_1 --ruler-lengths 1024,8192 "
                                  "--ruler-samples 1 --max-new-tokens 4",
                                  dir.path() / "preset.json");
  EXPECT_EQ(preset["model"]["engine"]["max_length"], 4096);
  ASSERT_TRUE(preset["tasks"].contains("ruler"));
  EXPECT_EQ(preset["tasks"]["ruler"]["subtasks"], (json{"niah_single_1@1024"}));
  EXPECT_EQ(preset["tasks"]["ruler"]["counts"]["truncated_prompts"], 0);
  ASSERT_EQ(preset["skipped"].size(), 1u) << preset["skipped"].dump();
  EXPECT_EQ(preset["skipped"][0]["task"], "ruler:all@8192");
  EXPECT_NE(preset["skipped"][0]["reason"].get<std::string>().find("context window of 4096"), std::string::npos);
}

}  // namespace
}  // namespace engram
