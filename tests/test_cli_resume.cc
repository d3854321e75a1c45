// Kill and resume, as a user meets it: `engram-bench eval` killed with SIGKILL during generation,
// during HumanEval's execution and during scoring (ENGRAM_CRASH_AT, tasks/crash_point.h), then rerun
// with --resume, ends in the report an uninterrupted run writes, timings and run facts aside; and
// the resumed run asks the model only for what its journal does not hold (journal.model_requests,
// counted at the model interface), so a resume that ignored the journal fails; and it reports the
// model time the killed run spent on the answers it reuses (journal.reused_model_seconds).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "tasks/tasks_test_util.h"
#include "tasks/humaneval/humaneval.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testing::read_json;
using tasks::testing::ScratchDir;

// What legitimately differs between two runs of the same evaluation.
json comparable(json report) {
  for (const char* key : {"created", "context", "timings", "journal", "samples_log"}) report.erase(key);
  for (auto& [name, task] : report["tasks"].items()) task.erase("timings");
  return report;
}

std::string data_dir() { return (testing::shared_dir() / "datasets").string(); }

// The model requests a journal already answers: one per scored continuation, one per generation.
json journaled_requests(const fs::path& journal) {
  int64_t loglikelihood = 0, generations = 0;
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);) {
    const json entry = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object() || !entry.contains("type")) continue;  // a model record, or the torn last line
    if (entry["type"] == "loglikelihood") {
      loglikelihood += static_cast<int64_t>(entry["response"]["loglikelihoods"].size());
    } else {
      ++generations;
    }
  }
  return {{"loglikelihood", loglikelihood}, {"loglikelihood_rolling", 0}, {"generate_until", generations}};
}

// The model seconds the journal's answer lines carry; every answer line must carry them.
double journaled_model_seconds(const fs::path& journal) {
  double seconds = 0;
  std::ifstream in(journal);
  for (std::string line; std::getline(in, line);) {
    const json entry = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object() || !entry.contains("type")) continue;
    EXPECT_TRUE(entry.contains("model_seconds")) << line.substr(0, 200);
    seconds += entry.value("model_seconds", 0.0);
  }
  return seconds;
}

// What a resumed run must have asked the model: everything the full run asked, less the journal's.
json still_to_answer(const json& all, const json& journaled) {
  json out = json::object();
  for (const auto& [kind, n] : all.items()) out[kind] = n.get<int64_t>() - journaled[kind].get<int64_t>();
  return out;
}

// Runs `arguments` with ENGRAM_CRASH_AT=crash_at (killed), then with --resume; returns the report.
// `all_requests` is what an uninterrupted run asked the model; the resumed run must ask only the rest.
json crash_then_resume(const fs::path& dir, const std::string& arguments, const std::string& crash_at,
                       const json& all_requests) {
  const fs::path report = dir / "report.json";
  const std::string base = arguments + " --quiet --output " + report.string();
  const auto [crashed_code, crashed_output] =
      testing::run_engram_bench_with_env("ENGRAM_CRASH_AT=" + crash_at, base);
  EXPECT_NE(crashed_code, 0) << crashed_output;
  EXPECT_FALSE(fs::exists(report)) << "a killed run must not leave a report";
  EXPECT_TRUE(fs::exists(dir / "report.journal.jsonl"));
  const json journaled = journaled_requests(dir / "report.journal.jsonl");
  const double journaled_seconds = journaled_model_seconds(dir / "report.journal.jsonl");
  EXPECT_GT(journaled["loglikelihood"].get<int64_t>() + journaled["generate_until"].get<int64_t>(), 0) << crash_at;
  const auto [code, output] = testing::run_engram_bench(base + " --resume");
  EXPECT_EQ(code, 0) << output;
  const json resumed = read_json(report);
  EXPECT_EQ(resumed["journal"]["model_requests"], still_to_answer(all_requests, journaled))
      << "after a kill at " << crash_at << ", with " << journaled.dump() << " in the journal";
  // The killed run's model time comes back with its answers, so the joined report can say what the
  // whole evaluation cost.
  EXPECT_GT(journaled_seconds, 0.0) << crash_at;
  EXPECT_NEAR(resumed["journal"]["reused_model_seconds"].get<double>(), journaled_seconds, 1e-9 * (1 + journaled_seconds))
      << crash_at;
  EXPECT_EQ(resumed["journal"]["reused_untimed"].get<size_t>(), 0u) << crash_at;
  return resumed;
}

json uninterrupted(const fs::path& dir, const std::string& arguments) {
  const fs::path report = dir / "report.json";
  const auto [code, output] = testing::run_engram_bench(arguments + " --quiet --output " + report.string());
  EXPECT_EQ(code, 0) << output;
  return read_json(report);
}

TEST(CliResume, KilledDuringGenerationOrScoringResumesIntoTheSameReport) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "bbh");
  // One instance per model call, so that each crash point falls between journal appends.
  const std::string args = "eval --model tiny-dense --tasks bbh_cot_fewshot:navigate,mmlu:anatomy "
                           "--limit 2 --max-new-tokens 4 --journal-chunk 1 --data-dir " + data_dir();
  ScratchDir reference_dir;
  const json uninterrupted_report = uninterrupted(reference_dir.path(), args);
  const json all_requests = uninterrupted_report["journal"]["model_requests"];
  EXPECT_GT(all_requests["loglikelihood"].get<int64_t>(), 0) << all_requests.dump();
  EXPECT_GT(all_requests["generate_until"].get<int64_t>(), 0) << all_requests.dump();
  EXPECT_EQ(all_requests, journaled_requests(reference_dir.path() / "report.journal.jsonl"));
  const json reference = comparable(uninterrupted_report);
  for (const std::string crash_at : {"loglikelihood:1", "generate_until:1", "score:1"}) {
    ScratchDir dir;
    const json resumed = comparable(crash_then_resume(dir.path(), args, crash_at, all_requests));
    EXPECT_TRUE(resumed == reference) << "after a kill at " << crash_at << ":\n"
                                      << resumed.dump().substr(0, 2000) << "\nvs\n"
                                      << reference.dump().substr(0, 2000);
  }
}

TEST(CliResume, KilledDuringHumanEvalExecutionResumesIntoTheSameReport) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "humaneval");
  // Canonical solutions as a model's samples: the run's time goes into executing them.
  ScratchDir samples_dir;
  const fs::path samples = samples_dir.path() / "samples.jsonl";
  const auto problems =
      tasks::humaneval::load_problems(testing::shared_dir() / "datasets" / "humaneval" / "HumanEval.jsonl.gz");
  ASSERT_GE(problems.size(), 12u);
  std::ofstream out(samples);
  for (size_t i = 0; i < 12; ++i) {
    out << json{{"task_id", problems[i].task_id}, {"completion", problems[i].canonical_solution}}.dump() << "\n";
  }
  out.close();
  const std::string args = "eval --model replay:" + samples.string() + " --tasks humaneval --limit 12 --data-dir " + data_dir();
  ScratchDir reference_dir;
  const json uninterrupted_report = uninterrupted(reference_dir.path(), args);
  const json all_requests = uninterrupted_report["journal"]["model_requests"];
  EXPECT_EQ(all_requests["generate_until"], 12) << all_requests.dump();
  const json reference = comparable(uninterrupted_report);
  EXPECT_EQ(reference["tasks"]["humaneval"]["metrics"]["pass@1,create_test"]["value"], 1.0)
      << reference["tasks"]["humaneval"]["metrics"].dump();
  ScratchDir dir;
  const json resumed = comparable(crash_then_resume(dir.path(), args, "execute:5", all_requests));
  EXPECT_TRUE(resumed == reference) << resumed.dump().substr(0, 2000);
}

TEST(CliResume, WithoutResumeAnExistingJournalIsNeverOverwritten) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "mmlu");
  ScratchDir dir;
  const std::string args = "eval --model tiny-dense --tasks mmlu:anatomy --limit 1 --quiet --data-dir " + data_dir() +
                           " --output " + (dir.path() / "r.json").string();
  ASSERT_EQ(testing::run_engram_bench(args).first, 0);
  const auto [code, output] = testing::run_engram_bench(args);
  EXPECT_NE(code, 0);
  EXPECT_NE(output.find("--resume"), std::string::npos) << output;
  EXPECT_NE(output.find("r.journal.jsonl"), std::string::npos) << output;
}

TEST(CliResume, RescoringFromTheJournalGivesTheSameReportWithoutTheModel) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "bbh");
  ScratchDir dir;
  const std::string args = "eval --model tiny-dense --tasks bbh_cot_fewshot:navigate,mmlu:anatomy --limit 2 "
                           "--max-new-tokens 4 --quiet --data-dir " + data_dir() + " --output " +
                           (dir.path() / "r.json").string();
  ASSERT_EQ(testing::run_engram_bench(args).first, 0);
  const json first = comparable(read_json(dir.path() / "r.json"));
  // A model spec that cannot load proves that rescoring never loads it.
  std::string rescore_args = args + " --rescore";
  rescore_args.replace(rescore_args.find("tiny-dense"), 10, "no-such-model");
  const auto [code, output] = testing::run_engram_bench(rescore_args);
  ASSERT_EQ(code, 0) << output;
  json again = comparable(read_json(dir.path() / "r.json"));
  // The model section comes from the journal's record, which has no report-only fields of the spec.
  again.erase("model");
  json expected = first;
  expected.erase("model");
  again["config"].erase("data_dir");
  expected["config"].erase("data_dir");
  EXPECT_TRUE(again == expected) << again.dump().substr(0, 1500) << "\nvs\n" << expected.dump().substr(0, 1500);
}

}  // namespace
}  // namespace engram
