// `engram-bench eval`'s engine options, run as a user runs them: `--batch-size auto` with a
// `--memory-budget` (a smaller budget gives a smaller batch, one below a single sequence is a clear
// error that writes nothing), and `--determinism-audit` finding a planted batch-size dependence
// (ENGRAM_PLANT_FAULT=unmasked-left-padding, tasks/crash_point.h) that an honest run does not have.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tasks::testing::ScratchDir;

std::string data_dir() { return (testing::shared_dir() / "datasets").string(); }

// One MMLU question at a 256-token window: the plan sizes sequences of --max-length tokens.
std::string auto_batch_args(int64_t budget, const fs::path& report) {
  return "eval --model tiny-dense --tasks mmlu:anatomy --limit 1 --max-length 256 --batch-size auto --no-samples "
         "--quiet --memory-budget " + std::to_string(budget) + " --data-dir " + data_dir() + " --output " +
         report.string();
}

json plan_of(const json& report) { return report["model"]["engine"]["memory_plan"]; }

TEST(CliEvalEngine, AutoBatchSizeFollowsTheMemoryBudget) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "mmlu");
  ScratchDir dir;
  const fs::path large_report = dir.path() / "large.json";
  const auto [code, output] = testing::run_engram_bench(auto_batch_args(int64_t{64} << 30, large_report));
  ASSERT_EQ(code, 0) << output;
  const json large = testing::read_json(large_report);
  const json plan = plan_of(large);
  ASSERT_TRUE(plan.is_object()) << large["model"].dump();
  EXPECT_EQ(large["model"]["engine"]["batch_size_requested"], "auto");
  EXPECT_EQ(large["model"]["engine"]["batch_size"], plan["batch_size"]);
  EXPECT_EQ(plan["budget_bytes"], int64_t{64} << 30);
  EXPECT_EQ(plan["budget_source"], "--memory-budget");
  EXPECT_EQ(plan["max_sequence_length"], 256);
  EXPECT_NE(output.find("batch size auto -> " + plan["batch_size"].dump()), std::string::npos) << output;

  // Room for three sequences besides the weights and the scoring logits: batch 2 (a power of two).
  const int64_t fixed = plan["weight_bytes"].get<int64_t>() + plan["scoring_logits_bytes"].get<int64_t>();
  const int64_t per_sequence = plan["bytes_per_sequence"].get<int64_t>();
  const fs::path small_report = dir.path() / "small.json";
  const auto [small_code, small_output] = testing::run_engram_bench(auto_batch_args(fixed + 3 * per_sequence, small_report));
  ASSERT_EQ(small_code, 0) << small_output;
  const json small = testing::read_json(small_report);
  EXPECT_EQ(small["model"]["engine"]["batch_size"], 2);
  EXPECT_EQ(plan_of(small)["bytes_per_sequence"], per_sequence);
  EXPECT_LT(small["model"]["engine"]["batch_size"].get<int64_t>(), plan["batch_size"].get<int64_t>());
  // The batch size changes no score.
  EXPECT_EQ(small["tasks"]["mmlu"]["metrics"], large["tasks"]["mmlu"]["metrics"]);

  // Below one sequence: a clear error, no report and no journal left behind.
  const fs::path none_report = dir.path() / "none.json";
  const auto [none_code, none_output] = testing::run_engram_bench(auto_batch_args(fixed + per_sequence - 1, none_report));
  EXPECT_NE(none_code, 0);
  EXPECT_NE(none_output.find("less than one sequence of 256 tokens"), std::string::npos) << none_output;
  EXPECT_NE(none_output.find("--memory-budget"), std::string::npos) << none_output;
  EXPECT_FALSE(fs::exists(none_report));
  EXPECT_FALSE(fs::exists(dir.path() / "none.journal.jsonl"));
}

// Zero-shot BBH prompts differ in length by tens of tokens, so a batch of them is left-padded.
json audited_run(const fs::path& dir, const std::string& environment) {
  const fs::path report = dir / "audit.json";
  const auto [code, output] = testing::run_engram_bench_with_env(
      environment, "eval --model tiny-dense --tasks bbh_zeroshot:navigate --limit 4 --max-new-tokens 4 --batch-size 4 "
                   "--determinism-audit 4 --no-samples --quiet --data-dir " + data_dir() + " --output " + report.string());
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("determinism audit (batch 4 vs 1)"), std::string::npos) << output;
  return testing::read_json(report)["determinism_audit"];
}

TEST(CliEvalEngine, DeterminismAuditReportsAPlantedFlipAndOnlyThen) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "bbh");
  ScratchDir honest_dir, planted_dir;
  const json honest = audited_run(honest_dir.path(), "");
  EXPECT_EQ(honest["generate_until"]["requests"], 4);
  EXPECT_EQ(honest["flips"], 0) << honest.dump();

  const json planted = audited_run(planted_dir.path(), "ENGRAM_PLANT_FAULT=unmasked-left-padding");
  EXPECT_EQ(planted["original_batch_size"], 4);
  EXPECT_EQ(planted["audit_batch_size"], 1);
  EXPECT_GT(planted["generate_until"]["text_flips"].get<int64_t>(), 0) << planted.dump();
  EXPECT_EQ(planted["flips"], planted["generate_until"]["text_flips"]);
  ASSERT_FALSE(planted["examples"].empty());
  EXPECT_EQ(planted["examples"][0]["kind"], "generation_text");
  EXPECT_NE(planted["examples"][0]["before"], planted["examples"][0]["after"]);
}

}  // namespace
}  // namespace engram
